// Checks values against the OpenAPI document's own schemas (JSON Schema 2020-12, ajv), so tests
// can assert that what the runtime answers or delivers is what the document says.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, any>;

/** `#/components/...` → `openapi#/components/...`, so a fragment compiles against the document. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi${v}` : rebase(v)]),
    );
  }
  return value;
}

export function openApiSchemas(doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi');
  const compile = (schema: Json): ValidateFunction => ajv.compile(rebase(schema) as Json);
  const resolve = (maybeRef: Json): Json => (maybeRef.$ref ? doc.components[maybeRef.$ref.split('/')[2]][maybeRef.$ref.split('/')[3]] : maybeRef);
  const describe = (v: ValidateFunction) => ajv.errorsText(v.errors, { separator: '; ' });

  return {
    /** Problems of `value` against a JSON Schema (which may `$ref` the document's components); [] when valid. */
    check(schema: Json, value: unknown): string[] {
      const validate = compile(schema);
      return validate(value) ? [] : [describe(validate)];
    },

    /** Problems of an HTTP answer against the documented response of `method path` for its status. */
    checkResponse(method: string, path: string, answer: { status: number; headers: Headers; body: unknown; text: string }): string[] {
      const operation = doc.paths?.[path]?.[method.toLowerCase()];
      if (!operation) return [`${method} ${path} is not in the document`];
      const response = operation.responses[String(answer.status)];
      if (!response) return [`${method} ${path}: status ${answer.status} is not documented (${Object.keys(operation.responses).join(', ')})`];
      const problems: string[] = [];
      for (const [name, header] of Object.entries<Json>(response.headers ?? {})) {
        const required = name !== 'Link';
        const value = answer.headers.get(name);
        if (value === null) {
          if (required) problems.push(`header ${name} missing`);
          continue;
        }
        const schema = resolve(header).schema as Json;
        const typed = schema.type === 'integer' ? Number(value) : value;
        problems.push(...this.check(schema, typed).map((p) => `header ${name}: ${p}`));
      }
      const content = response.content?.['application/json'];
      const otherTypes = Object.keys(response.content ?? {});
      if (!content && otherTypes.length > 0) {
        const type = answer.headers.get('content-type') ?? '';
        if (!otherTypes.some((t) => type.startsWith(t))) problems.push(`content-type ${type} is not one of ${otherTypes.join(', ')}`);
      } else if (!content) {
        if (answer.text !== '') problems.push(`body expected empty, got ${answer.text.slice(0, 80)}`);
      } else {
        if (!answer.headers.get('content-type')?.startsWith('application/json')) problems.push('content-type is not application/json');
        problems.push(...this.check(content.schema, answer.body).map((p) => `body: ${p}`));
      }
      return problems;
    },
  };
}
