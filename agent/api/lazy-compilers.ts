// fastify's own schema compilers (ajv for requests, fast-json-stringify for
// responses), deferred: a route's validator or serializer is compiled on the
// first request that needs it, not when the daemon starts.
//
// Why: fastify compiles every route schema at ready(). On a gateway that is
// ~150 ms of start time and ~2.5 MB of resident code for routes an operator
// may never call (issue 7 targets: ready ≤ 500 ms, idle RSS ≤ 60 MB; figures
// in docs/performance.md). The compilers, their options and their error
// messages are unchanged: only the moment of compilation moves. A schema that
// cannot compile would surface on that route's first request instead of at
// start; the API tests request every route, so such a schema fails a test.
import { createRequire } from 'node:module';
import type { BuildCompilerFromPool, RouteDefinition } from '@fastify/ajv-compiler';
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler';

// The compilers (and ajv, fast-json-stringify behind them) are required on
// first use too: a schema compiles synchronously inside a request, so a
// synchronous require, from node_modules, not from the bundle.
const require = createRequire(import.meta.url);
const ajvCompiler = () => (require('@fastify/ajv-compiler') as typeof import('@fastify/ajv-compiler')).default();
const serializerSelector = () => (require('@fastify/fast-json-stringify-compiler') as typeof import('@fastify/fast-json-stringify-compiler')).SerializerSelector();

type AjvCompile = ReturnType<BuildCompilerFromPool>;
type Validate = ReturnType<AjvCompile>;
type CompileResponse = ReturnType<SerializerFactory>;
type ResponseDefinition = Parameters<CompileResponse>[0];

/** `schemaController.compilersFactory` for Fastify(): both compilers, lazy. */
export function lazyCompilersFactory(): { buildValidator: BuildCompilerFromPool; buildSerializer: SerializerFactory } {
  let buildValidator: BuildCompilerFromPool | undefined;
  let buildSerializer: SerializerFactory | undefined;
  return {
    buildValidator: (externalSchemas, ajvOptions) => {
      // Even the ajv instance (which compiles the JSON Schema meta-schema when
      // the shared schemas are added) waits for the first validation.
      let compileRoute: AjvCompile | undefined;
      return (route: RouteDefinition) => {
        let validate: Validate | undefined;
        const lazy = ((data: unknown, ctx?: Parameters<Validate>[1]) => {
          compileRoute ??= (buildValidator ??= ajvCompiler())(externalSchemas, ajvOptions);
          validate ??= compileRoute(route);
          const ok = validate(data, ctx);
          lazy.errors = validate.errors;
          return ok;
        }) as Validate;
        // fastify hands ajv's functions the parent object (so that coercion can
        // replace a root value) only when they carry schemaEnv, as ajv's do.
        (lazy as { schemaEnv?: unknown }).schemaEnv = true;
        return lazy;
      };
    },
    buildSerializer: (externalSchemas, serializerOptions) => {
      let compileResponse: CompileResponse | undefined;
      return (route: ResponseDefinition) => {
        let serialize: ReturnType<CompileResponse> | undefined;
        return (doc: unknown) => {
          compileResponse ??= (buildSerializer ??= serializerSelector())(externalSchemas, serializerOptions);
          serialize ??= compileResponse(route);
          return serialize(doc);
        };
      };
    },
  };
}
