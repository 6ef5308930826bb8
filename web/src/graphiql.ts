// GraphiQL from the server's own files (GraphiQL 4 and React 18 UMD builds, copied at build
// time), with a fetcher of ours: queries and mutations over HTTP, subscriptions over graphql-ws.
// Headers typed in GraphiQL's header editor, or the web app's key, go with both.
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

interface Params {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}
interface Opts {
  headers?: Record<string, string>;
}
declare global {
  interface Window {
    React: { createElement(type: unknown, props: Record<string, unknown>): unknown };
    ReactDOM: { createRoot(el: Element): { render(node: unknown): void } };
    GraphiQL: unknown;
  }
}

function load(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

function headersOf(opts?: Opts): Record<string, string> {
  const headers: Record<string, string> = {};
  const key = sessionStorage.getItem('maskql.key');
  if (key) headers.authorization = `Bearer ${key}`;
  for (const [k, v] of Object.entries(opts?.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return headers;
}

// Parsed here, not from GraphiQL's documentAST, which can lag behind the editor.
function isSubscription(params: Params): boolean {
  try {
    return getOperationAST(parse(params.query), params.operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false; // the server reports the syntax error
  }
}

const sockets = new Map<string, Client>();
function socketFor(authorization: string | undefined): Client {
  const id = authorization ?? '';
  let c = sockets.get(id);
  if (!c) {
    c = createClient({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`, connectionParams: authorization ? { authorization } : {} });
    sockets.set(id, c);
  }
  return c;
}

async function fetcher(params: Params, opts?: Opts): Promise<unknown> {
  const headers = headersOf(opts);
  if (isSubscription(params)) {
    return socketFor(headers.authorization).iterate({ query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined });
  }
  const res = await fetch('/graphql', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(params) });
  return res.json();
}

async function main(): Promise<void> {
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = '/graphiql/graphiql.min.css';
  document.head.append(css);
  await load('/graphiql/react.production.min.js');
  await load('/graphiql/react-dom.production.min.js');
  await load('/graphiql/graphiql.min.js');
  const root = document.getElementById('graphiql')!;
  root.textContent = '';
  window.ReactDOM.createRoot(root).render(
    window.React.createElement(window.GraphiQL, {
      fetcher,
      defaultQuery: '# maskql: queries and mutations go over HTTP, subscriptions over graphql-ws.\n# With AUTH_MODE on, add {"Authorization": "Bearer mqk_…"} under Headers.\n\nquery {\n  health { status version models { name state device } }\n}\n',
    }),
  );
}

main().catch((err: Error) => (document.getElementById('graphiql')!.textContent = `GraphiQL failed to start: ${err.message}`));
