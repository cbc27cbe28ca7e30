/**
 * JSON Schema validators of the official schemas vendored in test/fixtures (see their README.md for the
 * sources): CycloneDX 1.6 (draft-07, with the SPDX license id and JSF schemas it references) and OpenVEX
 * 0.2.0 (draft 2020-12), compiled with ajv and ajv-formats (date-time, uri, email, iri-reference, …).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const FIXTURES = path.resolve(__dirname, '../fixtures');
const json = (p: string) =>
  JSON.parse(readFileSync(path.join(FIXTURES, p), 'utf8')) as Record<string, unknown>;

let cyclonedx: ValidateFunction | undefined;
export function cycloneDx16Validator(): ValidateFunction {
  if (!cyclonedx) {
    // strict off: the CycloneDX schemas carry annotation keywords ajv does not know (meta:enum, deprecated).
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    // bom-1.6 refers to them by file name, relative to its own $id: registered under those URLs (the files
    // themselves stay as published).
    for (const file of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
      ajv.addSchema({ ...json(`cyclonedx/${file}`), $id: `http://cyclonedx.org/schema/${file}` });
    }
    cyclonedx = ajv.compile(json('cyclonedx/bom-1.6.SNAPSHOT.schema.json'));
  }
  return cyclonedx;
}

let openvex: ValidateFunction | undefined;
export function openVex020Validator(): ValidateFunction {
  if (!openvex) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    openvex = ajv.compile(json('openvex/openvex_json_schema_0.2.0.json'));
  }
  return openvex;
}
