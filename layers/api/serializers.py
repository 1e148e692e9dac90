"""One feature as GeoJSON through djangorestframework-gis, for single-feature answers.

Pages and layers are built in PostGIS (api/geojson.py): one query and one string are several times
faster than serialising row by row (bench/RESULTS.md). A single feature is where a serializer is the
natural tool; both give the same properties: the common ones, then the kind's.
"""

from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..models import Feature
from .geojson import COORDINATE_DECIMALS


class FeatureSerializer(GeoFeatureModelSerializer):
    geom = GeometryField(precision=COORDINATE_DECIMALS)
    municipality = serializers.SlugRelatedField(slug_field="code", read_only=True)
    ward = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Feature
        geo_field = "geom"
        fields = ("id", "source_id", "name", "name_kana", "address", "municipality", "ward", "geom")

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        feature["properties"] = {**feature["properties"], **instance.properties}
        return feature
