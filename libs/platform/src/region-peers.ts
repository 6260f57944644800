import { z } from 'zod';
import { isRegion, Region } from '@lib/contracts';

/**
 * `REGION_PEERS=eu=https://eu.example.com,apac=https://apac.example.com`: the other regions' public base
 * URLs (their gateway, or their identity service). Unset: this stack is alone, everything behaves as a single
 * region. Parsed here, checked against REGION in `regionPeerProblems`.
 */
export const regionPeersSchema = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const peers: Partial<Record<Region, string>> = {};
    if (!value) return peers;
    for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const at = entry.indexOf('=');
      const region = at > 0 ? entry.slice(0, at).trim() : '';
      const url = at > 0 ? entry.slice(at + 1).trim() : '';
      if (!isRegion(region)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${entry}": each peer is region=url with region us, eu or apac` });
        continue;
      }
      if (peers[region]) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `region ${region} is listed twice` });
        continue;
      }
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${region}: "${url}" is not a URL` });
        continue;
      }
      if (!['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password || parsed.search || parsed.hash) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${region}: the URL must be http(s), without credentials, query or fragment` });
        continue;
      }
      peers[region] = parsed.href.replace(/\/+$/, '');
    }
    return peers;
  });

export const regionPeerSettings = {
  REGION_PEERS: regionPeersSchema,
  /** the credential this stack's identity presents to its peers (each peer lists it in its SERVICE_TOKENS); required by identity with peers */
  REGION_PEER_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** how long a peer call (JWKS, membership index, health) may take before the peer counts as unavailable */
  REGION_PEER_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
};

/** every service checks these; identity (the only one that calls its peers) also requires REGION_PEER_TOKEN */
export function regionPeerProblems(config: { REGION: Region; REGION_PEERS: Partial<Record<Region, string>> }): string[] {
  const problems: string[] = [];
  if (config.REGION_PEERS[config.REGION]) problems.push(`REGION_PEERS: lists this stack's own region ${config.REGION}`);
  return problems;
}

/** the peer regions, in a stable order */
export const peerRegions = (config: { REGION_PEERS: Partial<Record<Region, string>> }) =>
  (Object.keys(config.REGION_PEERS) as Region[]).sort();
