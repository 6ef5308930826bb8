// Flags every command shares, and the small parsers of prompt arguments.
import { writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { cliEnv } from '../config.js';
import { CreateProjectDocument, ProjectsDocument } from '../../client/generated/graphql.js';
import { CliError, MaskqlClient } from './client.js';

export const COMMON_HELP = `Server:
  --url URL        maskql's address (env MASKQL_URL; default http://127.0.0.1:4000)
  --key KEY        an API key when the server has AUTH_MODE on (env MASKQL_KEY)
  -h, --help       this help`;

const COMMON = { url: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError((err as Error).message, 'USAGE');
  }
}

export function connect(values: { url?: string; key?: string }): MaskqlClient {
  const env = cliEnv();
  return new MaskqlClient((values.url ?? env.url).replace(/\/+$/, ''), values.key ?? env.key);
}

/** The project given by id, else the one named `name` (created when missing). */
export async function projectId(client: MaskqlClient, id: string | undefined, name: string): Promise<string> {
  if (id) return id;
  const { projects } = await client.request(ProjectsDocument, { first: 100 });
  const found = projects.edges.find((e) => e.node.name === name);
  if (found) return found.node.id;
  return (await client.request(CreateProjectDocument, { input: { name } })).createProject.project.id;
}

export function numbers(text: string, count: number, what: string): number[] {
  const n = text.split(',').map(Number);
  if (n.length !== count || n.some((v) => !Number.isFinite(v))) throw new CliError(`${what}: expected ${count} comma-separated numbers, got "${text}"`, 'USAGE');
  return n;
}

export const box = (text: string) => {
  const [x, y, w, h] = numbers(text, 4, 'box');
  return { x: x!, y: y!, w: w!, h: h! };
};

/** Writes JSON to a file, or to stdout when none is given. */
export async function output(file: string | undefined, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2) + '\n';
  if (file) await writeFile(file, text);
  else process.stdout.write(text);
}
