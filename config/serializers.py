"""The serializer base every app uses: choice errors name the valid choices."""

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
    serializer_choice_field = ChoiceField
