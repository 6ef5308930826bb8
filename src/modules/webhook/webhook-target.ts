// Where a webhook may point. Only http(s) URLs without credentials; only WEBHOOK_ALLOWED_HOSTS when
// set; and never a private, loopback, link-local or otherwise special address unless it lies in
// WEBHOOK_ALLOW_PRIVATE_NETWORKS. The address is checked after DNS resolution, at creation and
// again at every delivery through the connection's own lookup, so a name that later resolves to an
// internal address (DNS rebinding) is still refused.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const SPECIAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'];
const SPECIAL_V6 = ['::/128', '::1/128', '64:ff9b::/96', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

function blockList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    const type = isIP(addr!) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(addr!)) throw new Error(`not an IP network: ${c}`);
    list.addSubnet(addr!, Number(bits ?? (type === 'ipv6' ? 128 : 32)), type);
  }
  return list;
}

export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

export class WebhookTargetPolicy {
  private readonly special = (() => {
    const l = blockList(SPECIAL_V4);
    for (const c of SPECIAL_V6) {
      const [a, b] = c.split('/');
      l.addSubnet(a!, Number(b), 'ipv6');
    }
    return l;
  })();
  private readonly allowedPrivate: BlockList;

  constructor(
    private readonly allowedHosts: string[],
    privateNetworks: string[],
  ) {
    this.allowedPrivate = blockList(privateNetworks);
  }

  /** The URL, parsed, when its form and host are acceptable (addresses are checked by resolve). */
  checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new TargetRefused('not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused('only http and https URLs');
    if (url.username || url.password) throw new TargetRefused('no credentials in the URL');
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (this.allowedHosts.length && !this.allowedHosts.some((h) => (h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h))) {
      throw new TargetRefused(`host ${host} is not in WEBHOOK_ALLOWED_HOSTS`);
    }
    return url;
  }

  /** Whether an IP address may be reached. */
  addressAllowed(address: string): boolean {
    let a = address;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
    if (mapped) a = mapped[1]!;
    const type = isIP(a) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowedPrivate.check(a, type)) return true;
    return !this.special.check(a, type);
  }

  /** Resolves the host and refuses it unless every address it has may be reached. */
  async resolve(host: string): Promise<LookupAddress[]> {
    const h = host.replace(/^\[|\]$/g, '');
    const addrs = isIP(h) ? [{ address: h, family: isIP(h) }] : await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(h, { all: true }, (err, a) => (err ? reject(new TargetRefused(`cannot resolve ${h}: ${err.code ?? err.message}`)) : resolve(a))));
    const bad = addrs.find((a) => !this.addressAllowed(a.address));
    if (bad) throw new TargetRefused(`${h} resolves to ${bad.address}, a private or loopback address (allow it with WEBHOOK_ALLOW_PRIVATE_NETWORKS)`);
    return addrs;
  }

  /** A lookup for http.request that connects only to checked addresses. */
  lookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addrs) => {
          if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addrs);
          else callback(null, addrs[0]!.address, addrs[0]!.family);
        },
        (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
      );
    };
  }
}
