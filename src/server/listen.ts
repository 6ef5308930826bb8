// Binding an HTTP server to HOST:PORT, and the URL clients reach it on (a wildcard host is
// reached on loopback). Shared by the api's server and the worker's health/metrics port.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listen(server: Server, port: number, host: string): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const reach = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { url: `http://${reach}:${bound}`, port: bound };
}
