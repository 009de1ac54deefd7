#!/usr/bin/env python3
"""Regenerates a contract extract from a provider's full OpenAPI document.

    python3 extract.py stripe  openapi.spec3.json        --source URL --commit SHA --date YYYY-MM-DD > stripe.json
    python3 extract.py twilio  twilio_api_v2010.json     --source URL --commit SHA --date YYYY-MM-DD > twilio.json
    python3 extract.py vapi    openapi.json              --source URL --commit SHA --date YYYY-MM-DD > vapi.json

The extract is an OpenAPI 3.0 document of its own, small enough to read and review: only the
operations Switchboard calls (OPERATIONS below), their JSON responses, and the component
schemas those responses need. Of every schema it keeps names, types, nullability, required
fields, enums and the structure (properties, items, anyOf/oneOf/allOf, $ref); descriptions,
titles, formats, lengths, patterns, examples and vendor extensions are dropped.

What is followed, and what is cut (so the extract stays small and its rules are plain):
  - a property, or an array's items, is followed into its nested schema when the property is
    required; a nested object that is optional is kept as {"type": "object"} (its nullability
    kept), unless its component is named in KEEP (objects the fakes fill in);
  - a Stripe expandable field (anyOf [id string, resource] with x-expansionResources) is kept as
    its unexpanded form, the id string: nothing Switchboard sends asks for an expansion;
  - a component that is a scalar (an enum of strings, say) is always kept;
  - every object schema kept with named properties gets "additionalProperties": false unless
    the document says otherwise, so a field the provider does not document fails the check;
  - Twilio's document marks no field as required; REQUIRE_ALL makes every documented field of
    its resource objects (components named with that prefix, always followed) required, as
    Twilio's own examples answer every field, null or not. Only presence: nested objects inside
    them are still followed only where the document itself requires them.

Standard library only. The output is deterministic (keys sorted), so a regenerated extract
that differs from the committed one shows exactly what the provider changed.
"""
import argparse
import json
import sys

OPERATIONS = {
    "stripe": [
        ("post", "/v1/checkout/sessions"),
        ("get", "/v1/checkout/sessions/{session}"),
        ("get", "/v1/webhook_endpoints"),
        ("post", "/v1/webhook_endpoints"),
        ("get", "/v1/webhook_endpoints/{webhook_endpoint}"),
        ("post", "/v1/webhook_endpoints/{webhook_endpoint}"),
        ("delete", "/v1/webhook_endpoints/{webhook_endpoint}"),
    ],
    "twilio": [
        ("get", "/2010-04-01/Accounts.json"),
        ("post", "/2010-04-01/Accounts.json"),
        ("get", "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json"),
        ("get", "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/TollFree.json"),
        ("post", "/2010-04-01/Accounts/{AccountSid}/Addresses.json"),
        ("get", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"),
        ("post", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"),
        ("get", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"),
        ("delete", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"),
    ],
    "vapi": [
        ("post", "/phone-number"),
        ("get", "/phone-number"),
        ("get", "/phone-number/{id}"),
        ("delete", "/phone-number/{id}"),
    ],
}

# Nested objects the fakes fill in, kept in full although the documents make them optional.
KEEP = {
    "stripe": ["payment_pages_checkout_session_customer_details"],
    "twilio": [],
    "vapi": [],
}

REQUIRE_ALL = {"stripe": None, "twilio": "api.v2010.", "vapi": None}

STRUCTURE = ("type", "nullable", "enum", "required", "additionalProperties")
REF_PREFIX = "#/components/schemas/"


class Extractor:
    def __init__(self, document, provider):
        self.schemas = document.get("components", {}).get("schemas", {})
        self.keep = set(KEEP[provider])
        self.require_all = REQUIRE_ALL[provider]
        self.kept = {}

    def component(self, name):
        if name not in self.schemas:
            sys.exit("the document has no component schema " + name)
        return self.schemas[name]

    def ref(self, ref, follow):
        """A $ref: kept (and extracted) when followed, or a scalar; otherwise an object placeholder."""
        name = ref[len(REF_PREFIX):]
        target = self.component(name)
        resource = self.require_all is not None and name.startswith(self.require_all)
        if follow or resource or name in self.keep or is_scalar(target):
            if name not in self.kept:
                self.kept[name] = None  # marks it in progress: a cycle refers back to it
                self.kept[name] = self.clean(target, require_all=resource)
            return {"$ref": ref}
        return {"type": "object"}

    def clean(self, schema, require_all=False, follow=True):
        """Keeps the structure of one schema; follow=False cuts a nested object to a placeholder."""
        follow = follow or self.names_kept(schema)
        if "$ref" in schema:
            return self.ref(schema["$ref"], follow)
        if "x-expansionResources" in schema and "anyOf" in schema:
            unexpanded = [s for s in schema["anyOf"] if "$ref" not in s]
            out = self.clean(unexpanded[0]) if unexpanded else {"type": "string"}
            if schema.get("nullable"):
                out["nullable"] = True
            return out
        nested = "properties" in schema or any(k in schema for k in ("anyOf", "oneOf", "allOf"))
        if nested and not follow:
            out = {"type": "object"}
            if schema.get("nullable"):
                out["nullable"] = True
            return out
        out = {key: schema[key] for key in STRUCTURE if key in schema and key != "additionalProperties"}
        if "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            out["additionalProperties"] = extra if isinstance(extra, bool) else self.clean(extra)
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                out[key] = [self.clean(s) for s in schema[key]]
        if "items" in schema:
            out["items"] = self.clean(schema["items"], follow=follow)
        if "properties" in schema:
            required = set(schema.get("required", []))
            if require_all:
                out["required"] = sorted(schema["properties"])
            out["properties"] = {
                name: self.clean(prop, follow=name in required)
                for name, prop in schema["properties"].items()
            }
            out.setdefault("additionalProperties", False)
        return out


    def names_kept(self, schema):
        refs = [schema] + [s for k in ("anyOf", "oneOf", "allOf") for s in schema.get(k, [])]
        return any(s.get("$ref", "")[len(REF_PREFIX):] in self.keep for s in refs)


def is_scalar(schema):
    return "enum" in schema or schema.get("type") in ("string", "integer", "number", "boolean")


def extract(document, provider, source, commit, date):
    extractor = Extractor(document, provider)
    paths = {}
    for method, path in OPERATIONS[provider]:
        operation = document.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            sys.exit("the document has no operation %s %s" % (method.upper(), path))
        responses = {}
        for status, response in operation.get("responses", {}).items():
            content = response.get("content", {}).get("application/json")
            if content is None or "schema" not in content:
                responses[status] = {"description": "no body"}
                continue
            schema = content["schema"]
            body = extractor.clean(schema)
            responses[status] = {"description": "", "content": {"application/json": {"schema": body}}}
        paths.setdefault(path, {})[method] = {"responses": responses}
    info = document.get("info", {})
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "%s: contract extract" % info.get("title", provider),
            "version": info.get("version", ""),
            "x-source": {"document": source, "commit": commit, "date": date},
            "x-extracted-by": "testing/src/test/resources/contracts/extract.py " + provider,
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(extractor.kept.items()))},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("provider", choices=sorted(OPERATIONS))
    parser.add_argument("document", help="the provider's full OpenAPI document (JSON)")
    parser.add_argument("--source", required=True, help="where the document was published")
    parser.add_argument("--commit", required=True, help="its commit or version")
    parser.add_argument("--date", required=True, help="its date (YYYY-MM-DD)")
    args = parser.parse_args()
    with open(args.document, encoding="utf-8") as f:
        document = json.load(f)
    out = extract(document, args.provider, args.source, args.commit, args.date)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
