"""The serializer base every app uses: choice errors name the valid choices, and `read_only_fields`
holds for every field it names."""

from rest_framework import serializers


class ChoiceField(serializers.ChoiceField):
    default_error_messages = {"invalid_choice": '"{input}" is not a valid choice; valid: {valid}.'}

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        try:
            return self.choice_strings_to_values[str(data)]
        except KeyError:
            self.fail("invalid_choice", input=data, valid=", ".join(self.choice_strings_to_values))


class ModelSerializer(serializers.ModelSerializer):
    """DRF applies `Meta.read_only_fields` only to the fields it builds itself: a field declared
    on the class (a party by its code, say) stayed writable, and an update that echoed it reached
    a service that cannot change it. Here a field named there is read-only however it was made,
    so an update ignores it, as it ignores every other read-only field."""

    serializer_choice_field = ChoiceField

    def get_fields(self):
        fields = super().get_fields()
        for name in getattr(self.Meta, "read_only_fields", ()):
            field = fields.get(name)
            if field is not None and not field.read_only:
                field.read_only, field.required = True, False
        return fields
