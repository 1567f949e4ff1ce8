import { BlockList, isIP } from 'node:net'

/** PROVIDER_ALLOWED_HOSTS parsed: host names (exact, lower case) and addresses or CIDR ranges. */
export interface AllowedHosts {
  names: Set<string>
  addresses: BlockList
}

export function addressFamily (address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4'
}

/** A URL's host name as the resolver and the allow-list see it: no IPv6 brackets, no trailing dot, lower case. */
export function bareHost (hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase()
}

/** Parses the comma-separated list; throws an Error naming the bad entry (a CIDR with a bad prefix, a name with one). */
export function parseAllowedHosts (value: string | undefined): AllowedHosts {
  const allowed: AllowedHosts = { names: new Set(), addresses: new BlockList() }
  for (const entry of (value ?? '').split(',').map((h) => bareHost(h.trim())).filter((h) => h !== '')) {
    const [address = '', bits] = entry.split('/')
    const family = addressFamily(address)
    if (bits === undefined) {
      if (isIP(address) === 0) allowed.names.add(entry)
      else allowed.addresses.addAddress(address, family)
      continue
    }
    const prefix = Number(bits)
    if (isIP(address) === 0 || !/^\d{1,3}$/.test(bits) || prefix > (family === 'ipv4' ? 32 : 128)) {
      throw new Error(`PROVIDER_ALLOWED_HOSTS: ${entry} is not a valid CIDR range`)
    }
    allowed.addresses.addSubnet(address, prefix, family)
  }
  return allowed
}

/** The configuration problem with `value`, if any (for loadConfig). */
export function allowedHostsProblem (value: string | undefined): string | undefined {
  try {
    parseAllowedHosts(value)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}
