import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './openapi';
import { ApiError } from './problems';
import type { Problem } from './types';
import { session } from '../session';

/**
 * The one way the Console reaches the server: openapi-fetch typed by `openapi.d.ts`, generated from docs/openapi.json
 * (`npm run console:api`). A path, parameter or request body the API no longer has fails the Console's typecheck.
 */
export const client = createClient<paths>({ baseUrl: location.origin });

const auth: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (schemaPath === '/v1/sessions/refresh' || schemaPath === '/v1/users' || schemaPath === '/v1/sessions' || schemaPath === '/v1/sessions/mfa') return request;
    const token = await session.tokenFor(schemaPath === '/v1/sessions/organization' ? 'user' : 'organization');
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};
client.use(auth);

interface Outcome {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** the JSON body of a successful answer, or an ApiError carrying the problem details the server sent */
export async function ok<T>(pending: Promise<Outcome>): Promise<T> {
  let outcome: Outcome;
  try {
    outcome = await pending;
  } catch (error) {
    throw new ApiError({ status: 0, detail: `the server cannot be reached (${(error as Error).message})` });
  }
  const { data, error, response } = outcome;
  if (!response.ok) {
    const problem: Problem =
      error && typeof error === 'object' ? { status: response.status, ...(error as object) } : { status: response.status, detail: typeof error === 'string' ? error : undefined };
    if (response.status === 401) session.expired(problem);
    throw new ApiError(problem);
  }
  return data as T;
}
