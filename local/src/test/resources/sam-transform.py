"""Prints what the SAM transform (samtranslator, as CloudFormation runs it) makes of a template.

Usage: python3 sam-transform.py <template.yaml> <parameters as JSON>. CodeUri is pointed at a
placeholder S3 object first (the transform wants what `sam package` leaves there).
"""
import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
from samtranslator.public.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


class NoManagedPolicies:
    def load(self, *args, **kwargs):
        return {}


template = yaml_parse(open(sys.argv[1]).read())
for resource in template["Resources"].values():
    if resource.get("Type") == "AWS::Serverless::Function":
        resource["Properties"]["CodeUri"] = "s3://bucket/" + resource["Properties"]["CodeUri"].replace("/", "-") + ".zip"
try:
    print(json.dumps(transform(template, json.loads(sys.argv[2]), NoManagedPolicies()), default=str))
except InvalidDocumentException as e:
    print("INVALID: " + "; ".join(c.message for c in e.causes), file=sys.stderr)
    sys.exit(1)
