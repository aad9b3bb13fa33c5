"""The serializer base every app uses: choice errors name the valid choices, `read_only_fields`
holds for every field it names, and every whole number read from a request fits its column."""

from rest_framework import serializers

# The largest number a PostgreSQL `integer` column holds (versions, numbers, orders).
INTEGER_MAX = 2**31 - 1
# The largest object id (a `bigint` primary key).
ID_MAX = 2**63 - 1


class IntegerField(serializers.IntegerField):
    """A whole number the database can hold: between -2**31 and 2**31 - 1 unless the field
    says otherwise (ids: `min_value=1, max_value=ID_MAX`).

    DRF's own takes a number of any size, and one past the column's range reached the database
    (an OverflowError on SQLite, a DataError on PostgreSQL): a 500 instead of a 400 naming the
    field. The bounds are in the OpenAPI schema too. A ModelSerializer's fields for integer
    columns get their bounds from the column already."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", -INTEGER_MAX - 1)
        kwargs.setdefault("max_value", INTEGER_MAX)
        super().__init__(**kwargs)


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
