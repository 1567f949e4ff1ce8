import { lookup } from 'node:dns/promises'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { buildConnector } from 'undici'
import { BadRequestError } from '#errors.js'
import { addressFamily as family, bareHost, parseAllowedHosts } from './allowed-hosts.js'

/** Every address a host name resolves to (dns.lookup with all: true); tests inject their own. */
export type ResolveHost = (hostname: string) => Promise<Array<{ address: string, family: number }>>

const systemResolve: ResolveHost = async (hostname) => await lookup(hostname, { all: true })

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry and friends). */
const NON_PUBLIC_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
]

/** IPv6 ranges that are not the public internet; ::/96 covers ::, ::1 and the deprecated IPv4-compatible form. */
const NON_PUBLIC_V6: Array<[string, number]> = [
  ['::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['3fff::', 20],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]
]

/** IPv4 ranges as they appear inside IPv6 forms that carry one: NAT64 (64:ff9b::/96) and 6to4 (2002::/16). */
function embeddedForms (address: string, prefix: number): Array<[string, number]> {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number]
  const hex = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16)
  return [[`64:ff9b::${address}`, 96 + prefix], [`2002:${hex(a, b)}:${hex(c, d)}::`, 16 + prefix]]
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.1) needs no rule of its own: BlockList matches it against the IPv4 rules. */
const nonPublic = new BlockList()
for (const [address, prefix] of NON_PUBLIC_V4) {
  nonPublic.addSubnet(address, prefix, 'ipv4')
  for (const [form, bits] of embeddedForms(address, prefix)) nonPublic.addSubnet(form, bits, 'ipv6')
}
for (const [address, prefix] of NON_PUBLIC_V6) nonPublic.addSubnet(address, prefix, 'ipv6')

/** True when `address` (an IP literal) is on the public internet: not loopback, private, link-local, reserved, … */
export function isPublicAddress (address: string): boolean {
  return isIP(address) !== 0 && !nonPublic.check(address, family(address))
}

/** Thrown at connect time when a store provider's host resolves to an address it may not reach. */
export class ProviderAddressRefusedError extends Error {
  override name = 'ProviderAddressRefusedError'
  readonly code = 'HUB_PROVIDER_ADDRESS_REFUSED'
}

const ALLOW_HINT = 'an operator can allow it with PROVIDER_ALLOWED_HOSTS'

/**
 * Keeps admin-configured (store) providers on the public internet, so an admin key cannot aim the stored credentials,
 * or the connection test, at the gateway's own network (loopback, cloud metadata at 169.254.169.254, private ranges).
 * Hosts in PROVIDER_ALLOWED_HOSTS (names, IP literals or CIDRs) are exempt. Checked when a base URL is saved and
 * again on every connection, on the addresses actually connected to (a name that re-resolves elsewhere is refused).
 */
export class AddressGuard {
  private readonly names: Set<string>
  private readonly allowed: BlockList

  /** `allowedHosts`: PROVIDER_ALLOWED_HOSTS (validated by loadConfig). */
  constructor (allowedHosts: string | undefined, private readonly resolve: ResolveHost = systemResolve) {
    const { names, addresses } = parseAllowedHosts(allowedHosts)
    this.names = names
    this.allowed = addresses
  }

  /** Save time: the base URL's scheme, no user info, and a host that is allowed or resolves only to public addresses. */
  async checkBaseUrl (baseUrl: string): Promise<void> {
    let url: URL
    try {
      url = new URL(baseUrl)
    } catch {
      throw new BadRequestError('baseUrl is not a valid URL.')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadRequestError('baseUrl must be an http or https URL.')
    if (url.username !== '' || url.password !== '') {
      throw new BadRequestError('baseUrl must not carry a user name or password; add the key as a credential of the provider instead.')
    }
    const host = bareHost(url.hostname)
    if (this.names.has(host)) return
    let addresses: string[]
    try {
      addresses = await this.addressesOf(host)
    } catch {
      throw new BadRequestError(`baseUrl host ${host} could not be resolved.`)
    }
    if (addresses.length === 0 || !addresses.every((a) => this.admits(a))) {
      throw new BadRequestError(`baseUrl host ${host} is not a public address (loopback, private, link-local or reserved); ${ALLOW_HINT}.`)
    }
  }

  /**
   * Connect time: an undici connector that resolves the host itself, refuses when any address is not admitted, and
   * connects to exactly the addresses it checked (no second lookup an attacker's DNS could answer differently).
   * `tls`: options for https connections (the trusted CAs).
   */
  connector (timeoutMs: number, tls: buildConnector.BuildOptions = {}): buildConnector.connector {
    const connect = buildConnector({ ...tls, timeout: timeoutMs, lookup: this.guardedLookup })
    return (options, callback) => {
      const host = bareHost(options.hostname)
      // net.connect skips the lookup for an IP literal: check it here
      if (isIP(host) !== 0 && !this.admits(host)) {
        callback(new ProviderAddressRefusedError(`its host is not a public address; ${ALLOW_HINT}.`), null)
        return
      }
      connect(options, callback)
    }
  }

  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    const host = bareHost(hostname)
    this.resolve(host).then((found) => {
      if (!this.names.has(host) && (found.length === 0 || !found.every((a) => this.admits(a.address)))) {
        callback(new ProviderAddressRefusedError(`its host resolves to an address that is not public; ${ALLOW_HINT}.`), '', 0)
      } else if (options.all === true) {
        (callback as unknown as (err: null, addresses: Array<{ address: string, family: number }>) => void)(null, found)
      } else {
        const wanted = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family ?? 0
        const first = found.find((a) => wanted === 0 || a.family === wanted) ?? found[0]
        callback(null, first?.address ?? '', first?.family ?? 4)
      }
    }, (err: NodeJS.ErrnoException) => { callback(err, '', 0) })
  }

  private async addressesOf (host: string): Promise<string[]> {
    if (isIP(host) !== 0) return [host]
    return (await this.resolve(host)).map((a) => a.address)
  }

  private admits (address: string): boolean {
    return isPublicAddress(address) || this.allowed.check(address, family(address))
  }
}
