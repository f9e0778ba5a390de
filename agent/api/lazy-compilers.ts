// fastify's own schema compilers (ajv for requests, fast-json-stringify for
// responses), deferred: a route's validator or serializer is compiled on the
// first request that needs it, not when the daemon starts. Request
// validators are precompiled: route-validators.generated.ts holds ajv's
// standalone code of each (scripts/gen-route-validators.ts, npm run
// gen:docs), so that using the API never loads ajv into the daemon — ajv's
// instance and its compilations kept ~1.6 MB resident after the first
// request with parameters or a body (docs/performance.md). A validator whose
// schema changed since it was generated is not found (the key holds the
// schema's hash) and ajv compiles that one on first use, as before. Response
// serializers likewise: route-serializers.generated.ts holds
// fast-json-stringify's standalone code of each
// (scripts/gen-route-serializers.ts), because fast-json-stringify's main
// module loads ajv (its validator) whatever the schema: ~0.7 MB that stayed
// in the daemon after its first run (the 202 of POST /v1/runs).
//
// Why: fastify compiles every route schema at ready(). On a gateway that is
// ~150 ms of start time and ~2.5 MB of resident code for routes an operator
// may never call (issue 7 targets: ready ≤ 500 ms, idle RSS ≤ 60 MB; figures
// in docs/performance.md). The compilers, their options and their error
// messages are unchanged: only the moment of compilation moves. A schema that
// cannot compile would surface on that route's first request instead of at
// start; the API tests request every route, so such a schema fails a test.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { BuildCompilerFromPool, RouteDefinition } from '@fastify/ajv-compiler';
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import { ROUTE_SERIALIZERS } from './route-serializers.generated.js';
import { ROUTE_VALIDATORS } from './route-validators.generated.js';

// The compilers (and ajv, fast-json-stringify behind them) are loaded on first
// use too, synchronously (a schema compiles inside a request), and they must
// be the copies fastify itself uses. The bundle (dist/app/) leaves both
// compiler packages outside (scripts/build-app.ts), so built or not they come
// from node_modules, through the same CommonJS cache as fastify's own
// require — once, and only for a schema changed since generation: never at
// start, so their ~300 KB of source is not kept resident by a daemon that
// never uses them.
const requireHere = createRequire(import.meta.url);
const ajvCompiler = () => (requireHere('@fastify/ajv-compiler') as typeof import('@fastify/ajv-compiler')).default();
const serializerSelector = () => (requireHere('@fastify/fast-json-stringify-compiler') as typeof import('@fastify/fast-json-stringify-compiler')).SerializerSelector();

/** ajv's options for request validation, at run time and when the validators are generated. */
export const API_AJV_OPTIONS = { removeAdditional: false, coerceTypes: 'array', allErrors: false } as const;

/** Which precompiled validator a route part uses: method, url, part and the hash of its schema. */
export function validatorKey(route: Pick<RouteDefinition, 'method' | 'url' | 'httpPart' | 'schema'>): string {
  const schema = createHash('sha256').update(JSON.stringify(route.schema)).digest('hex').slice(0, 16);
  return `${String(route.method)} ${route.url} ${route.httpPart} ${schema}`;
}

type AjvCompile = ReturnType<BuildCompilerFromPool>;
type Validate = ReturnType<AjvCompile>;
type CompileResponse = ReturnType<SerializerFactory>;
/** What fastify hands a response serializer compiler: schema, method, url, httpStatus (and contentType). */
export type ResponseDefinition = Parameters<CompileResponse>[0];

/** Which precompiled serializer a route's response uses: method, url, status, content type and the hash of its schema. */
export function serializerKey(route: ResponseDefinition): string {
  const { method, url, httpStatus, contentType } = route as ResponseDefinition & { contentType?: string };
  const schema = createHash('sha256').update(JSON.stringify(route.schema)).digest('hex').slice(0, 16);
  return `${String(method)} ${url} ${httpStatus}${contentType ? ` ${contentType}` : ''} ${schema}`;
}

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
        const precompiled = ROUTE_VALIDATORS[validatorKey(route)] as Validate | undefined;
        if (precompiled) {
          (precompiled as { schemaEnv?: unknown }).schemaEnv = true;
          return precompiled;
        }
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
        const precompiled = ROUTE_SERIALIZERS[serializerKey(route)];
        let serialize: ((doc: unknown) => string) | undefined;
        return (doc: unknown) => {
          serialize ??= precompiled ? precompiled() : (compileResponse ??= (buildSerializer ??= serializerSelector())(externalSchemas, serializerOptions))(route);
          return serialize(doc);
        };
      };
    },
  };
}
