import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type ValidatorCompiler = (route: unknown) => Validate;
type SerializerCompiler = (route: unknown) => (doc: unknown) => string;

/**
 * fastify compiles every route's request validators and response serializers (ajv and
 * fast-json-stringify) when the route is registered. With each status of every route declared by
 * the API contract that is ~1.3 s of CPU at every server start (profiled: two thirds of a start),
 * nearly all of it for answers a server may never give. These are fastify's own compilers, each
 * building a route's function on the first request that needs it.
 */
export function lazyCompilers(): { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory } {
  // fastify types a validator as ajv's ValidateFunction; it only calls it and reads `errors`.
  return { buildValidator: buildValidator as unknown as ValidatorFactory, buildSerializer: buildSerializer as unknown as SerializerFactory };
}

const validators = AjvCompiler();
const serializers = SerializerSelector();

function buildValidator(...args: Parameters<typeof validators>): ValidatorCompiler {
  const compile = validators(...args) as unknown as ValidatorCompiler;
  return (route) => {
    let built: Validate | undefined;
    const validate: Validate = (data) => {
      built ??= compile(route);
      const ok = built(data);
      // fastify reads a failed validation's reasons from the function it was given.
      validate.errors = built.errors;
      return ok;
    };
    return validate;
  };
}

function buildSerializer(...args: Parameters<typeof serializers>): SerializerCompiler {
  const compile = serializers(...args) as unknown as SerializerCompiler;
  return (route) => {
    let built: ((doc: unknown) => string) | undefined;
    return (doc) => (built ??= compile(route))(doc);
  };
}
