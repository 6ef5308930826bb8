// Running one GraphQL operation as a given caller over HTTP or graphql-ws, and reading the outcome
// the same way for both: the data, or the first error's code (UNAUTHENTICATED for a refused socket).
import { httpClient, wsClient } from './gql.js';

export type Transport = 'http' | 'ws';

export interface Outcome {
  /** 'ok', or the code of the first error. */
  result: string;
  status?: number;
  data: unknown;
  /** The whole response, to look for ids that must not leak. */
  text: string;
}

export const bearer = (secret: string | null): Record<string, string> => (secret ? { authorization: `Bearer ${secret}` } : {});

export async function runAs(transport: Transport, baseUrl: string, secret: string | null, op: { query: string; variables?: Record<string, unknown> }): Promise<Outcome> {
  if (transport === 'http') {
    const { status, body } = await httpClient(baseUrl, bearer(secret)).exchange(op.query, op.variables);
    return { result: body.errors?.length ? String(body.errors[0]!.extensions?.code) : 'ok', status, data: body.data, text: JSON.stringify(body) };
  }
  const client = wsClient(baseUrl, secret ? { authorization: `Bearer ${secret}` } : {});
  try {
    const results: { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] }[] = [];
    const failure = await new Promise<unknown>((resolve) =>
      client.subscribe(op, { next: (r) => void results.push(r), error: resolve, complete: () => resolve(null) }),
    );
    const text = JSON.stringify({ results, failure });
    if (failure) {
      // A refused connection_init closes the socket with 4403 Forbidden: the caller is not authenticated.
      if ((failure as { code?: number }).code === 4403) return { result: 'UNAUTHENTICATED', data: null, text };
      const errs = Array.isArray(failure) ? (failure as { extensions?: { code?: string } }[]) : [];
      return { result: errs.length ? String(errs[0]!.extensions?.code) : `socket error ${text}`, data: null, text };
    }
    const firstError = results.find((r) => r.errors?.length)?.errors?.[0];
    if (firstError) return { result: String(firstError.extensions?.code), data: null, text };
    if (!results.length) return { result: 'no result', data: null, text };
    return { result: 'ok', data: results[results.length - 1]!.data, text };
  } finally {
    await client.dispose();
  }
}
