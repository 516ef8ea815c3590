import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

type Spec = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

/**
 * Checks live responses against the server's own /openapi.json, so the document generated from
 * the route schemas cannot drift from what the routes send.
 */
export class OpenApiCheck {
  readonly #spec: Spec;
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  checked = 0;

  private constructor(spec: Spec) {
    this.#spec = spec;
    (addFormats as unknown as (a: Ajv2020) => void)(this.#ajv);
  }

  static async load(url: string): Promise<OpenApiCheck> {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as object;
    await SwaggerParser.validate(structuredClone(doc) as never);
    const spec = (await SwaggerParser.dereference(doc as never)) as unknown as Spec;
    return new OpenApiCheck(spec);
  }

  /** Validates a JSON response body against the schema of `method path` for its status. */
  async json(res: Response, method: string, path: string): Promise<unknown> {
    const body = (await res.json()) as unknown;
    const op = this.#spec.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is in the OpenAPI document`).toBeDefined();
    const response = op?.responses[String(res.status)];
    expect(response, `${method} ${path} documents status ${res.status}`).toBeDefined();
    const schema = response?.content?.['application/json']?.schema;
    expect(schema, `${method} ${path} ${res.status} has a JSON schema`).toBeDefined();
    const validate = this.#ajv.compile(schema as object);
    expect(validate(body), `${method} ${path} ${res.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    this.checked += 1;
    return body;
  }
}
