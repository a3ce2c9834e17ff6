"""fastjsonschema's code for schemas/state.schema.json, written by `make golden`: do not edit."""
# ruff: noqa
SCHEMA_SHA256 = "63c6379015cd2b95faf6fea1bf8ec56d5295080ba7c93d5fb35f273665c7ed12"
VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[a-z0-9][a-z0-9-]{0,62}$': re.compile('^[a-z0-9][a-z0-9-]{0,62}\\Z'),
    '^[0-9A-F]{12}$': re.compile('^[0-9A-F]{12}\\Z'),
    '^[0-9A-Fa-f]{12}\\.xml$': re.compile('^[0-9A-Fa-f]{12}\\.xml\\Z'),
    '^[0-9]{10}$': re.compile('^[0-9]{10}\\Z'),
    '^[0-9a-f]{64}$': re.compile('^[0-9a-f]{64}\\Z'),
    '^[a-z-]{1,32}$': re.compile('^[a-z-]{1,32}\\Z'),
    '^[0-9A-F]{10}$': re.compile('^[0-9A-F]{10}\\Z')
}

NoneType = type(None)

def validate_https___dectprov_example_schemas_state_schema_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'https://dectprov.example/schemas/state.schema.json', 'title': 'dectprov build state (build/<site>/state.json)', 'description': "What the last build gave one site's DECT manager: its handset places by slot (N720) or by IPUI (Nx70), its revision and the history of revisions. Written by dectprov build; read, as untrusted input, by every command. Which slots exist, and that the state agrees with the provisioning file beside it, is checked by dectprov itself.", 'type': 'object', 'additionalProperties': False, 'required': ['format_version', 'site', 'mac', 'model', 'file', 'revision', 'stamp', 'sha256', 'slots'], 'properties': {'format_version': {'const': 1}, 'site': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9-]{0,62}$'}, 'mac': {'type': 'string', 'pattern': '^[0-9A-F]{12}$'}, 'model': {'enum': ['N720', 'N870', 'N870E', 'N770', 'N670', 'N610']}, 'file': {'type': 'string', 'pattern': '^[0-9A-Fa-f]{12}\\.xml$'}, 'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'slots': {'type': 'array', 'maxItems': 1000, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'$ref': '#/definitions/ipui'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'$ref': 'https://dectprov.example/schemas/state.schema.json#/definitions/ipui'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}}, 'history': {'type': 'array', 'maxItems': 20, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}}, 'definitions': {'ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'slot': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, 'revision': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['format_version', 'site', 'mac', 'model', 'file', 'revision', 'stamp', 'sha256', 'slots']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'https://dectprov.example/schemas/state.schema.json', 'title': 'dectprov build state (build/<site>/state.json)', 'description': "What the last build gave one site's DECT manager: its handset places by slot (N720) or by IPUI (Nx70), its revision and the history of revisions. Written by dectprov build; read, as untrusted input, by every command. Which slots exist, and that the state agrees with the provisioning file beside it, is checked by dectprov itself.", 'type': 'object', 'additionalProperties': False, 'required': ['format_version', 'site', 'mac', 'model', 'file', 'revision', 'stamp', 'sha256', 'slots'], 'properties': {'format_version': {'const': 1}, 'site': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9-]{0,62}$'}, 'mac': {'type': 'string', 'pattern': '^[0-9A-F]{12}$'}, 'model': {'enum': ['N720', 'N870', 'N870E', 'N770', 'N670', 'N610']}, 'file': {'type': 'string', 'pattern': '^[0-9A-Fa-f]{12}\\.xml$'}, 'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'slots': {'type': 'array', 'maxItems': 1000, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'$ref': '#/definitions/ipui'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'$ref': 'https://dectprov.example/schemas/state.schema.json#/definitions/ipui'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}}, 'history': {'type': 'array', 'maxItems': 20, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}}, 'definitions': {'ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'slot': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, 'revision': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}}, rule='required')
        data_keys = set(data.keys())
        if "format_version" in data_keys:
            data_keys.remove("format_version")
            data__formatversion = data["format_version"]
            if not (isinstance(data__formatversion, (int, float)) and not isinstance(data__formatversion, bool) and data__formatversion == 1):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".format_version must be same as const definition: 1", value=data__formatversion, name="" + (name_prefix or "data") + ".format_version", definition={'const': 1}, rule='const')
        if "site" in data_keys:
            data_keys.remove("site")
            data__site = data["site"]
            if not isinstance(data__site, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".site must be string", value=data__site, name="" + (name_prefix or "data") + ".site", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9-]{0,62}$'}, rule='type')
            if isinstance(data__site, str):
                if not REGEX_PATTERNS['^[a-z0-9][a-z0-9-]{0,62}$'].search(data__site):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".site must match pattern ^[a-z0-9][a-z0-9-]{0,62}$", value=data__site, name="" + (name_prefix or "data") + ".site", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9-]{0,62}$'}, rule='pattern')
        if "mac" in data_keys:
            data_keys.remove("mac")
            data__mac = data["mac"]
            if not isinstance(data__mac, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mac must be string", value=data__mac, name="" + (name_prefix or "data") + ".mac", definition={'type': 'string', 'pattern': '^[0-9A-F]{12}$'}, rule='type')
            if isinstance(data__mac, str):
                if not REGEX_PATTERNS['^[0-9A-F]{12}$'].search(data__mac):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".mac must match pattern ^[0-9A-F]{12}$", value=data__mac, name="" + (name_prefix or "data") + ".mac", definition={'type': 'string', 'pattern': '^[0-9A-F]{12}$'}, rule='pattern')
        if "model" in data_keys:
            data_keys.remove("model")
            data__model = data["model"]
            if not (isinstance(data__model, str) and data__model == 'N720' or isinstance(data__model, str) and data__model == 'N870' or isinstance(data__model, str) and data__model == 'N870E' or isinstance(data__model, str) and data__model == 'N770' or isinstance(data__model, str) and data__model == 'N670' or isinstance(data__model, str) and data__model == 'N610'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".model must be one of ['N720', 'N870', 'N870E', 'N770', 'N670', 'N610']", value=data__model, name="" + (name_prefix or "data") + ".model", definition={'enum': ['N720', 'N870', 'N870E', 'N770', 'N670', 'N610']}, rule='enum')
        if "file" in data_keys:
            data_keys.remove("file")
            data__file = data["file"]
            if not isinstance(data__file, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".file must be string", value=data__file, name="" + (name_prefix or "data") + ".file", definition={'type': 'string', 'pattern': '^[0-9A-Fa-f]{12}\\.xml$'}, rule='type')
            if isinstance(data__file, str):
                if not REGEX_PATTERNS['^[0-9A-Fa-f]{12}\\.xml$'].search(data__file):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".file must match pattern ^[0-9A-Fa-f]{12}\\.xml$", value=data__file, name="" + (name_prefix or "data") + ".file", definition={'type': 'string', 'pattern': '^[0-9A-Fa-f]{12}\\.xml$'}, rule='pattern')
        if "revision" in data_keys:
            data_keys.remove("revision")
            data__revision = data["revision"]
            if not isinstance(data__revision, (int)) and not (isinstance(data__revision, float) and data__revision.is_integer()) or isinstance(data__revision, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".revision must be integer", value=data__revision, name="" + (name_prefix or "data") + ".revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='type')
            if isinstance(data__revision, (int, float, Decimal)) and not isinstance(data__revision, bool):
                if data__revision < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".revision must be bigger than or equal to 1", value=data__revision, name="" + (name_prefix or "data") + ".revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='minimum')
                if data__revision > 999999999:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".revision must be smaller than or equal to 999999999", value=data__revision, name="" + (name_prefix or "data") + ".revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='maximum')
        if "stamp" in data_keys:
            data_keys.remove("stamp")
            data__stamp = data["stamp"]
            if not isinstance(data__stamp, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".stamp must be string", value=data__stamp, name="" + (name_prefix or "data") + ".stamp", definition={'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='type')
            if isinstance(data__stamp, str):
                if not REGEX_PATTERNS['^[0-9]{10}$'].search(data__stamp):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".stamp must match pattern ^[0-9]{10}$", value=data__stamp, name="" + (name_prefix or "data") + ".stamp", definition={'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='pattern')
        if "sha256" in data_keys:
            data_keys.remove("sha256")
            data__sha256 = data["sha256"]
            if not isinstance(data__sha256, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".sha256 must be string", value=data__sha256, name="" + (name_prefix or "data") + ".sha256", definition={'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, rule='type')
            if isinstance(data__sha256, str):
                if not REGEX_PATTERNS['^[0-9a-f]{64}$'].search(data__sha256):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".sha256 must match pattern ^[0-9a-f]{64}$", value=data__sha256, name="" + (name_prefix or "data") + ".sha256", definition={'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, rule='pattern')
        if "slots" in data_keys:
            data_keys.remove("slots")
            data__slots = data["slots"]
            if not isinstance(data__slots, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".slots must be array", value=data__slots, name="" + (name_prefix or "data") + ".slots", definition={'type': 'array', 'maxItems': 1000, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'$ref': '#/definitions/ipui'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'$ref': 'https://dectprov.example/schemas/state.schema.json#/definitions/ipui'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}}, rule='type')
            data__slots_is_list = isinstance(data__slots, (list, tuple))
            if data__slots_is_list:
                data__slots_len = len(data__slots)
                if data__slots_len > 1000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".slots must contain less than or equal to 1000 items", value=data__slots, name="" + (name_prefix or "data") + ".slots", definition={'type': 'array', 'maxItems': 1000, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'$ref': '#/definitions/ipui'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'$ref': 'https://dectprov.example/schemas/state.schema.json#/definitions/ipui'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}}, rule='maxItems')
                for data__slots_x, data__slots_item in enumerate(data__slots):
                    validate_https___dectprov_example_schemas_state_schema_json__definitions_slot(data__slots_item, custom_formats, (name_prefix or "data") + ".slots[{data__slots_x}]".format(**locals()))
        if "history" in data_keys:
            data_keys.remove("history")
            data__history = data["history"]
            if not isinstance(data__history, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".history must be array", value=data__history, name="" + (name_prefix or "data") + ".history", definition={'type': 'array', 'maxItems': 20, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}, rule='type')
            data__history_is_list = isinstance(data__history, (list, tuple))
            if data__history_is_list:
                data__history_len = len(data__history)
                if data__history_len > 20:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".history must contain less than or equal to 20 items", value=data__history, name="" + (name_prefix or "data") + ".history", definition={'type': 'array', 'maxItems': 20, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}, rule='maxItems')
                for data__history_x, data__history_item in enumerate(data__history):
                    validate_https___dectprov_example_schemas_state_schema_json__definitions_revision(data__history_item, custom_formats, (name_prefix or "data") + ".history[{data__history_x}]".format(**locals()))
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'https://dectprov.example/schemas/state.schema.json', 'title': 'dectprov build state (build/<site>/state.json)', 'description': "What the last build gave one site's DECT manager: its handset places by slot (N720) or by IPUI (Nx70), its revision and the history of revisions. Written by dectprov build; read, as untrusted input, by every command. Which slots exist, and that the state agrees with the provisioning file beside it, is checked by dectprov itself.", 'type': 'object', 'additionalProperties': False, 'required': ['format_version', 'site', 'mac', 'model', 'file', 'revision', 'stamp', 'sha256', 'slots'], 'properties': {'format_version': {'const': 1}, 'site': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9-]{0,62}$'}, 'mac': {'type': 'string', 'pattern': '^[0-9A-F]{12}$'}, 'model': {'enum': ['N720', 'N870', 'N870E', 'N770', 'N670', 'N610']}, 'file': {'type': 'string', 'pattern': '^[0-9A-Fa-f]{12}\\.xml$'}, 'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'slots': {'type': 'array', 'maxItems': 1000, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'$ref': '#/definitions/ipui'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'$ref': 'https://dectprov.example/schemas/state.schema.json#/definitions/ipui'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}}, 'history': {'type': 'array', 'maxItems': 20, 'items': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}}, 'definitions': {'ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'slot': {'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, 'revision': {'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}}}, rule='additionalProperties')
    return data

def validate_https___dectprov_example_schemas_state_schema_json__definitions_revision(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['revision', 'stamp', 'changes']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}, rule='required')
        data_keys = set(data.keys())
        if "revision" in data_keys:
            data_keys.remove("revision")
            data__revision = data["revision"]
            if not isinstance(data__revision, (int)) and not (isinstance(data__revision, float) and data__revision.is_integer()) or isinstance(data__revision, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".revision must be integer", value=data__revision, name="" + (name_prefix or "data") + ".revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='type')
            if isinstance(data__revision, (int, float, Decimal)) and not isinstance(data__revision, bool):
                if data__revision < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".revision must be bigger than or equal to 1", value=data__revision, name="" + (name_prefix or "data") + ".revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='minimum')
                if data__revision > 999999999:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".revision must be smaller than or equal to 999999999", value=data__revision, name="" + (name_prefix or "data") + ".revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='maximum')
        if "stamp" in data_keys:
            data_keys.remove("stamp")
            data__stamp = data["stamp"]
            if not isinstance(data__stamp, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".stamp must be string", value=data__stamp, name="" + (name_prefix or "data") + ".stamp", definition={'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='type')
            if isinstance(data__stamp, str):
                if not REGEX_PATTERNS['^[0-9]{10}$'].search(data__stamp):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".stamp must match pattern ^[0-9]{10}$", value=data__stamp, name="" + (name_prefix or "data") + ".stamp", definition={'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='pattern')
        if "changes" in data_keys:
            data_keys.remove("changes")
            data__changes = data["changes"]
            if not isinstance(data__changes, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes must be object", value=data__changes, name="" + (name_prefix or "data") + ".changes", definition={'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, rule='type')
            data__changes_is_dict = isinstance(data__changes, dict)
            if data__changes_is_dict:
                data__changes_len = len(data__changes)
                if data__changes_len > 32:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes must contain less than or equal to 32 properties", value=data__changes, name="" + (name_prefix or "data") + ".changes", definition={'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, rule='maxProperties')
                data__changes_keys = set(data__changes.keys())
                for data__changes_key in data__changes_keys:
                    if data__changes_key not in []:
                        data__changes_value = data__changes.get(data__changes_key)
                        if not isinstance(data__changes_value, (int)) and not (isinstance(data__changes_value, float) and data__changes_value.is_integer()) or isinstance(data__changes_value, bool):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.{data__changes_key}".format(**locals()) + " must be integer", value=data__changes_value, name="" + (name_prefix or "data") + ".changes.{data__changes_key}".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'maximum': 100000}, rule='type')
                        if isinstance(data__changes_value, (int, float, Decimal)) and not isinstance(data__changes_value, bool):
                            if data__changes_value < 0:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.{data__changes_key}".format(**locals()) + " must be bigger than or equal to 0", value=data__changes_value, name="" + (name_prefix or "data") + ".changes.{data__changes_key}".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'maximum': 100000}, rule='minimum')
                            if data__changes_value > 100000:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.{data__changes_key}".format(**locals()) + " must be smaller than or equal to 100000", value=data__changes_value, name="" + (name_prefix or "data") + ".changes.{data__changes_key}".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0, 'maximum': 100000}, rule='maximum')
                if data__changes_len != 0:
                    data__changes_property_names = True
                    for data__changes_key in data__changes:
                        try:
                            if isinstance(data__changes_key, str):
                                if not REGEX_PATTERNS['^[a-z-]{1,32}$'].search(data__changes_key):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes must match pattern ^[a-z-]{1,32}$", value=data__changes_key, name="" + (name_prefix or "data") + ".changes", definition={'pattern': '^[a-z-]{1,32}$'}, rule='pattern')
                        except (JsonSchemaValueException, JsonSchemaValuesException):
                            data__changes_property_names = False
                    if not data__changes_property_names:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes must be named by propertyName definition", value=data__changes, name="" + (name_prefix or "data") + ".changes", definition={'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, rule='propertyNames')
        if "allowed" in data_keys:
            data_keys.remove("allowed")
            data__allowed = data["allowed"]
            if not isinstance(data__allowed, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".allowed must be array", value=data__allowed, name="" + (name_prefix or "data") + ".allowed", definition={'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}, rule='type')
            data__allowed_is_list = isinstance(data__allowed, (list, tuple))
            if data__allowed_is_list:
                data__allowed_len = len(data__allowed)
                if data__allowed_len > 4:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".allowed must contain less than or equal to 4 items", value=data__allowed, name="" + (name_prefix or "data") + ".allowed", definition={'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}, rule='maxItems')
                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                if data__allowed_len > len(set(fn(data__allowed_x) for data__allowed_x in data__allowed)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".allowed must contain unique items", value=data__allowed, name="" + (name_prefix or "data") + ".allowed", definition={'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}, rule='uniqueItems')
                for data__allowed_x, data__allowed_item in enumerate(data__allowed):
                    if not (isinstance(data__allowed_item, str) and data__allowed_item == 'reregistration' or isinstance(data__allowed_item, str) and data__allowed_item == 'deregistration-threshold' or isinstance(data__allowed_item, str) and data__allowed_item == 'device-change'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".allowed[{data__allowed_x}]".format(**locals()) + " must be one of ['reregistration', 'deregistration-threshold', 'device-change']", value=data__allowed_item, name="" + (name_prefix or "data") + ".allowed[{data__allowed_x}]".format(**locals()) + "", definition={'enum': ['reregistration', 'deregistration-threshold', 'device-change']}, rule='enum')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['revision', 'stamp', 'changes'], 'properties': {'revision': {'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'stamp': {'type': 'string', 'pattern': '^[0-9]{10}$'}, 'changes': {'type': 'object', 'maxProperties': 32, 'propertyNames': {'pattern': '^[a-z-]{1,32}$'}, 'additionalProperties': {'type': 'integer', 'minimum': 0, 'maximum': 100000}}, 'allowed': {'type': 'array', 'maxItems': 4, 'uniqueItems': True, 'items': {'enum': ['reregistration', 'deregistration-threshold', 'device-change']}}}}, rule='additionalProperties')
    return data

def validate_https___dectprov_example_schemas_state_schema_json__definitions_slot(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['status']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='required')
        if "deregistered_ipui" in data:
            if "deregistered_in_revision" not in data:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " missing dependency deregistered_in_revision for deregistered_ipui", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='dependencies')
        if "deregistered_in_revision" in data:
            if "deregistered_ipui" not in data:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " missing dependency deregistered_ipui for deregistered_in_revision", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='dependencies')
        if "deregistered_at" in data:
            if "deregistered_ipui" not in data:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " missing dependency deregistered_ipui for deregistered_at", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='dependencies')
        if "freed_in_revision" in data:
            if "freed_at" not in data:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " missing dependency freed_at for freed_in_revision", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='dependencies')
        if "freed_at" in data:
            if "freed_in_revision" not in data:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " missing dependency freed_in_revision for freed_at", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='dependencies')
        data_keys = set(data.keys())
        if "slot" in data_keys:
            data_keys.remove("slot")
            data__slot = data["slot"]
            if not isinstance(data__slot, (int)) and not (isinstance(data__slot, float) and data__slot.is_integer()) or isinstance(data__slot, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".slot must be integer", value=data__slot, name="" + (name_prefix or "data") + ".slot", definition={'type': 'integer', 'minimum': 0, 'maximum': 999}, rule='type')
            if isinstance(data__slot, (int, float, Decimal)) and not isinstance(data__slot, bool):
                if data__slot < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".slot must be bigger than or equal to 0", value=data__slot, name="" + (name_prefix or "data") + ".slot", definition={'type': 'integer', 'minimum': 0, 'maximum': 999}, rule='minimum')
                if data__slot > 999:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".slot must be smaller than or equal to 999", value=data__slot, name="" + (name_prefix or "data") + ".slot", definition={'type': 'integer', 'minimum': 0, 'maximum': 999}, rule='maximum')
        if "status" in data_keys:
            data_keys.remove("status")
            data__status = data["status"]
            if not (isinstance(data__status, str) and data__status == 'in-use' or isinstance(data__status, str) and data__status == 'freed'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be one of ['in-use', 'freed']", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'enum': ['in-use', 'freed']}, rule='enum')
        if "ipui" in data_keys:
            data_keys.remove("ipui")
            data__ipui = data["ipui"]
            data__ipui_any_of_count1 = 0
            if not data__ipui_any_of_count1:
                try:
                    validate_https___dectprov_example_schemas_state_schema_json__definitions_ipui(data__ipui, custom_formats, (name_prefix or "data") + ".ipui")
                    data__ipui_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__ipui_any_of_count1:
                try:
                    if not isinstance(data__ipui, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ipui must be null", value=data__ipui, name="" + (name_prefix or "data") + ".ipui", definition={'type': 'null'}, rule='type')
                    data__ipui_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__ipui_any_of_count1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ipui cannot be validated by any definition", value=data__ipui, name="" + (name_prefix or "data") + ".ipui", definition={'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, rule='anyOf')
        if "login" in data_keys:
            data_keys.remove("login")
            data__login = data["login"]
            if not isinstance(data__login, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".login must be string", value=data__login, name="" + (name_prefix or "data") + ".login", definition={'type': 'string', 'minLength': 1, 'maxLength': 255}, rule='type')
            if isinstance(data__login, str):
                data__login_len = len(data__login)
                if data__login_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".login must be longer than or equal to 1 characters", value=data__login, name="" + (name_prefix or "data") + ".login", definition={'type': 'string', 'minLength': 1, 'maxLength': 255}, rule='minLength')
                if data__login_len > 255:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".login must be shorter than or equal to 255 characters", value=data__login, name="" + (name_prefix or "data") + ".login", definition={'type': 'string', 'minLength': 1, 'maxLength': 255}, rule='maxLength')
        if "enabled" in data_keys:
            data_keys.remove("enabled")
            data__enabled = data["enabled"]
            if not isinstance(data__enabled, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".enabled must be boolean", value=data__enabled, name="" + (name_prefix or "data") + ".enabled", definition={'type': 'boolean'}, rule='type')
        if "deregistered_ipui" in data_keys:
            data_keys.remove("deregistered_ipui")
            data__deregisteredipui = data["deregistered_ipui"]
            validate_https___dectprov_example_schemas_state_schema_json__definitions_ipui(data__deregisteredipui, custom_formats, (name_prefix or "data") + ".deregistered_ipui")
        if "deregistered_in_revision" in data_keys:
            data_keys.remove("deregistered_in_revision")
            data__deregisteredinrevision = data["deregistered_in_revision"]
            data__deregisteredinrevision_any_of_count2 = 0
            if not data__deregisteredinrevision_any_of_count2:
                try:
                    if not isinstance(data__deregisteredinrevision, (int)) and not (isinstance(data__deregisteredinrevision, float) and data__deregisteredinrevision.is_integer()) or isinstance(data__deregisteredinrevision, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".deregistered_in_revision must be integer", value=data__deregisteredinrevision, name="" + (name_prefix or "data") + ".deregistered_in_revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='type')
                    if isinstance(data__deregisteredinrevision, (int, float, Decimal)) and not isinstance(data__deregisteredinrevision, bool):
                        if data__deregisteredinrevision < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".deregistered_in_revision must be bigger than or equal to 1", value=data__deregisteredinrevision, name="" + (name_prefix or "data") + ".deregistered_in_revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='minimum')
                        if data__deregisteredinrevision > 999999999:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".deregistered_in_revision must be smaller than or equal to 999999999", value=data__deregisteredinrevision, name="" + (name_prefix or "data") + ".deregistered_in_revision", definition={'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='maximum')
                    data__deregisteredinrevision_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__deregisteredinrevision_any_of_count2:
                try:
                    if not isinstance(data__deregisteredinrevision, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".deregistered_in_revision must be null", value=data__deregisteredinrevision, name="" + (name_prefix or "data") + ".deregistered_in_revision", definition={'type': 'null'}, rule='type')
                    data__deregisteredinrevision_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__deregisteredinrevision_any_of_count2:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".deregistered_in_revision cannot be validated by any definition", value=data__deregisteredinrevision, name="" + (name_prefix or "data") + ".deregistered_in_revision", definition={'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, rule='anyOf')
        if "deregistered_at" in data_keys:
            data_keys.remove("deregistered_at")
            data__deregisteredat = data["deregistered_at"]
            if not isinstance(data__deregisteredat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".deregistered_at must be string", value=data__deregisteredat, name="" + (name_prefix or "data") + ".deregistered_at", definition={'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='type')
            if isinstance(data__deregisteredat, str):
                if not REGEX_PATTERNS['^[0-9]{10}$'].search(data__deregisteredat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".deregistered_at must match pattern ^[0-9]{10}$", value=data__deregisteredat, name="" + (name_prefix or "data") + ".deregistered_at", definition={'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='pattern')
        if "freed_in_revision" in data_keys:
            data_keys.remove("freed_in_revision")
            data__freedinrevision = data["freed_in_revision"]
            if not isinstance(data__freedinrevision, (int)) and not (isinstance(data__freedinrevision, float) and data__freedinrevision.is_integer()) or isinstance(data__freedinrevision, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".freed_in_revision must be integer", value=data__freedinrevision, name="" + (name_prefix or "data") + ".freed_in_revision", definition={'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='type')
            if isinstance(data__freedinrevision, (int, float, Decimal)) and not isinstance(data__freedinrevision, bool):
                if data__freedinrevision < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".freed_in_revision must be bigger than or equal to 1", value=data__freedinrevision, name="" + (name_prefix or "data") + ".freed_in_revision", definition={'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='minimum')
                if data__freedinrevision > 999999999:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".freed_in_revision must be smaller than or equal to 999999999", value=data__freedinrevision, name="" + (name_prefix or "data") + ".freed_in_revision", definition={'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, rule='maximum')
        if "freed_at" in data_keys:
            data_keys.remove("freed_at")
            data__freedat = data["freed_at"]
            if not isinstance(data__freedat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".freed_at must be string", value=data__freedat, name="" + (name_prefix or "data") + ".freed_at", definition={'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='type')
            if isinstance(data__freedat, str):
                if not REGEX_PATTERNS['^[0-9]{10}$'].search(data__freedat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".freed_at must match pattern ^[0-9]{10}$", value=data__freedat, name="" + (name_prefix or "data") + ".freed_at", definition={'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}, rule='pattern')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['status'], 'properties': {'slot': {'type': 'integer', 'minimum': 0, 'maximum': 999}, 'status': {'enum': ['in-use', 'freed']}, 'ipui': {'anyOf': [{'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, {'type': 'null'}]}, 'login': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'enabled': {'type': 'boolean'}, 'deregistered_ipui': {'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, 'deregistered_in_revision': {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 999999999}, {'type': 'null'}]}, 'deregistered_at': {'description': "The stamp of deregistered_in_revision (DDMMYYHHMM, the DM's local time): the retention counts from it. Absent in states written before it was recorded.", 'type': 'string', 'pattern': '^[0-9]{10}$'}, 'freed_in_revision': {'description': 'A freed slot: the revision that first wrote it emptied, when that is not deregistered_in_revision.', 'type': 'integer', 'minimum': 1, 'maximum': 999999999}, 'freed_at': {'description': 'The stamp of freed_in_revision.', 'type': 'string', 'pattern': '^[0-9]{10}$'}}, 'if': {'properties': {'status': {'const': 'in-use'}}}, 'then': {'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, 'else': {'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, 'dependencies': {'deregistered_ipui': ['deregistered_in_revision'], 'deregistered_in_revision': ['deregistered_ipui'], 'deregistered_at': ['deregistered_ipui'], 'freed_in_revision': ['freed_at'], 'freed_at': ['freed_in_revision']}}, rule='additionalProperties')
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data_keys = set(data.keys())
            if "status" in data_keys:
                data_keys.remove("status")
                data__status = data["status"]
                if not (isinstance(data__status, str) and data__status == 'in-use'):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be same as const definition: in-use", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'const': 'in-use'}, rule='const')
    except (JsonSchemaValueException, JsonSchemaValuesException):
        try:
            data_any_of_count3 = 0
            if not data_any_of_count3:
                try:
                    data_is_dict = isinstance(data, dict)
                    if data_is_dict:
                        data__missing_keys = set(['ipui']) - data.keys()
                        if data__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['ipui']}, rule='required')
                    data_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data_any_of_count3:
                try:
                    data_is_dict = isinstance(data, dict)
                    if data_is_dict:
                        data__missing_keys = set(['login']) - data.keys()
                        if data__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['login']}, rule='required')
                    data_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data_any_of_count3:
                try:
                    data_is_dict = isinstance(data, dict)
                    if data_is_dict:
                        data__missing_keys = set(['enabled']) - data.keys()
                        if data__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['enabled']}, rule='required')
                    data_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data_any_of_count3:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition", value=data, name="" + (name_prefix or "data") + "", definition={'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}, rule='anyOf')
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
        else:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must NOT match a disallowed definition", value=data, name="" + (name_prefix or "data") + "", definition={'not': {'anyOf': [{'required': ['ipui']}, {'required': ['login']}, {'required': ['enabled']}]}}, rule='not')
    else:
        try:
            data_any_of_count4 = 0
            if not data_any_of_count4:
                try:
                    data_is_dict = isinstance(data, dict)
                    if data_is_dict:
                        data__missing_keys = set(['freed_in_revision']) - data.keys()
                        if data__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['freed_in_revision']}, rule='required')
                    data_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data_any_of_count4:
                try:
                    data_is_dict = isinstance(data, dict)
                    if data_is_dict:
                        data__missing_keys = set(['freed_at']) - data.keys()
                        if data__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['freed_at']}, rule='required')
                    data_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " cannot be validated by any definition", value=data, name="" + (name_prefix or "data") + "", definition={'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}, rule='anyOf')
        except (JsonSchemaValueException, JsonSchemaValuesException): pass
        else:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must NOT match a disallowed definition", value=data, name="" + (name_prefix or "data") + "", definition={'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, rule='not')
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['ipui', 'login', 'enabled']) - data.keys()
            if data__missing_keys:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['ipui', 'login', 'enabled'], 'not': {'anyOf': [{'required': ['freed_in_revision']}, {'required': ['freed_at']}]}}, rule='required')
    return data

def validate_https___dectprov_example_schemas_state_schema_json__definitions_ipui(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, rule='type')
    if isinstance(data, str):
        if not REGEX_PATTERNS['^[0-9A-F]{10}$'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[0-9A-F]{10}$", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[0-9A-F]{10}$'}, rule='pattern')
    return data

validate = validate_https___dectprov_example_schemas_state_schema_json
