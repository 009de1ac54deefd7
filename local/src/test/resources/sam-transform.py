"""Prints what the SAM transform (samtranslator, as CloudFormation runs it) makes of a template.

Usage: python3 sam-transform.py <template.yaml> <parameters as JSON> [<code keys as JSON> [<code sha>]].
Each function's CodeUri is pointed at an S3 object first, as `sam package` leaves it: the key is
the CodeUri plus, when the third argument names that CodeUri, its value (a new build of that
code is a new key). Given a code sha, the template first gets AutoPublishCodeSha256 as ./deploy
writes it. Managed-policy names are not looked up (no AWS account here).
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


text = open(sys.argv[1]).read()
if len(sys.argv) > 4 and sys.argv[4]:
    from importlib.machinery import SourceFileLoader  # noqa: E402

    deploy = SourceFileLoader("deploy", os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "deploy")).load_module()
    text = deploy.with_code_sha(text, sys.argv[4])
template = yaml_parse(text)
code_keys = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
for resource in template["Resources"].values():
    if resource.get("Type") == "AWS::Serverless::Function":
        code_uri = resource["Properties"]["CodeUri"]
        key = code_uri.replace("/", "-") + code_keys.get(code_uri, "")
        resource["Properties"]["CodeUri"] = "s3://bucket/" + key + ".zip"
try:
    print(json.dumps(transform(template, json.loads(sys.argv[2]), NoManagedPolicies()), default=str))
except InvalidDocumentException as e:
    print("INVALID: " + "; ".join(c.message for c in e.causes), file=sys.stderr)
    sys.exit(1)
