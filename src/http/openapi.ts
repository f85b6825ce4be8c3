import { z } from 'zod';
import {
  acceptedSchema,
  agentViewSchema,
  errorSchema,
  presenceChangeBodySchema,
  readinessSchema,
  requestStatusSchema,
} from './schemas';

const COMPONENTS = {
  PresenceChangeRequest: { schema: presenceChangeBodySchema, io: 'input' },
  PresenceChangeAccepted: { schema: acceptedSchema, io: 'output' },
  RequestStatus: { schema: requestStatusSchema, io: 'output' },
  AgentView: { schema: agentViewSchema, io: 'output' },
  Error: { schema: errorSchema, io: 'output' },
  Readiness: { schema: readinessSchema, io: 'output' },
} as const;

type ComponentName = keyof typeof COMPONENTS;

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ content: { 'application/json': { schema: ref(name) } } });
const error = (description: string) => ({ description, ...json('Error') });

function toSchema(name: ComponentName): Record<string, unknown> {
  const { schema, io } = COMPONENTS[name];
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete out.$schema;
  return out;
}

const userIdParam = {
  name: 'userId',
  in: 'path',
  required: true,
  description: 'Genesys Cloud user id.',
  schema: { type: 'string', maxLength: 64 },
};

const common401403 = {
  '401': error('No API key, or an unknown one (WWW-Authenticate: Bearer).'),
  '403': error('The key lacks the scope, or may not use the source.'),
};
const unavailable = {
  '503': {
    description: 'Redis or Genesys Cloud is unavailable; retry after the Retry-After header.',
    ...json('Error'),
  },
};

/**
 * The OpenAPI 3.1 document served at `/docs/openapi.json`, generated from the zod schemas the handlers
 * validate with (`z.toJSONSchema`), so the two cannot disagree.
 */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const schemas = Object.fromEntries(
    (Object.keys(COMPONENTS) as ComponentName[]).map((name) => [name, toSchema(name)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'genesys-presence-worker',
      version,
      description:
        'Schedule-aware, race-safe presence changes for Genesys Cloud agents. Authenticate with `Authorization: Bearer <api key>`.',
    },
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS.' },
        adminBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'Bull Board: any user name, the API key as password.',
        },
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/agents/{userId}/presence': {
        post: {
          summary: "Ask for a change of an agent's presence",
          description:
            'Needs the `enqueue` scope and a key allowed to use `source`. The change is validated, versioned and queued; follow it at `statusUrl`.',
          parameters: [
            userIdParam,
            {
              name: 'If-Match',
              in: 'header',
              required: false,
              description: 'Apply only if the agent\'s desired-state version is still this one, e.g. "3".',
              schema: { type: 'string' },
            },
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Retries with the same key get the first answer; a different body with it is a 422.',
              schema: { type: 'string', maxLength: 128 },
            },
          ],
          requestBody: { required: true, ...json('PresenceChangeRequest') },
          responses: {
            '202': {
              description: 'Accepted and queued. ETag carries the new version; Location the status URL.',
              headers: {
                ETag: { schema: { type: 'string' } },
                Location: { schema: { type: 'string' } },
              },
              ...json('PresenceChangeAccepted'),
            },
            '400': error('Every validation problem, listed in `problems`.'),
            ...common401403,
            '409': error('If-Match does not match; `currentVersion` (and ETag) give the current version.'),
            '413': error('Body larger than HTTP_BODY_LIMIT_BYTES.'),
            '415': error('Content-Type is not application/json.'),
            '422': error('Idempotency-Key reused with a different request.'),
            ...unavailable,
          },
        },
      },
      '/v1/agents/{userId}': {
        get: {
          summary: "An agent's desired, applied and observed presence, version and scheduled activity",
          description: 'Needs the `read` scope. ETag carries the version; If-None-Match gives 304.',
          parameters: [userIdParam],
          responses: {
            '200': { description: 'The agent view.', ...json('AgentView') },
            '304': { description: 'Unchanged since the ETag sent in If-None-Match.' },
            ...common401403,
            '404': error('The service holds no state for this agent.'),
            ...unavailable,
          },
        },
      },
      '/v1/requests/{requestId}': {
        get: {
          summary: 'Status and outcome of one request',
          description: 'Needs the `read` scope.',
          parameters: [
            { name: 'requestId', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } },
          ],
          responses: {
            '200': { description: 'The request.', ...json('RequestStatus') },
            ...common401403,
            '404': error('Unknown or expired request id.'),
            ...unavailable,
          },
        },
      },
      '/healthz': {
        get: { summary: 'The process is up', security: [], responses: { '200': { description: 'Up.' } } },
      },
      '/readyz': {
        get: {
          summary: 'Redis reachable, breaker not open, token obtainable',
          security: [],
          responses: {
            '200': { description: 'Ready.', ...json('Readiness') },
            '503': { description: 'Not ready; `checks` says why.', ...json('Readiness') },
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'Text exposition format.', content: { 'text/plain': {} } } },
        },
      },
      '/admin/queues': {
        get: {
          summary: 'Bull Board (admin scope; basic auth with the API key as password)',
          security: [{ adminBasic: [] }, { apiKey: [] }],
          responses: { '200': { description: 'The board.' }, '401': { description: 'Log in.' } },
        },
      },
    },
  };
}
