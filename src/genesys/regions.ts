import { GenesysConfigError } from './errors';

/**
 * Genesys Cloud regions → environment domain (genesys-api.md §1.1, from the SDK's `PureCloudRegionHosts.js`).
 * API base = `https://api.<env>`, login base = `https://login.<env>`.
 */
export const GENESYS_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  us_east_1: 'mypurecloud.com',
  eu_west_1: 'mypurecloud.ie',
  ap_southeast_2: 'mypurecloud.com.au',
  ap_northeast_1: 'mypurecloud.jp',
  eu_central_1: 'mypurecloud.de',
  us_west_2: 'usw2.pure.cloud',
  ca_central_1: 'cac1.pure.cloud',
  ap_northeast_2: 'apne2.pure.cloud',
  eu_west_2: 'euw2.pure.cloud',
  ap_south_1: 'aps1.pure.cloud',
  us_east_2: 'use2.us-gov-pure.cloud',
  sa_east_1: 'sae1.pure.cloud',
  me_central_1: 'mec1.pure.cloud',
  ap_northeast_3: 'apne3.pure.cloud',
  eu_central_2: 'euc2.pure.cloud',
  mx_central_1: 'mxc1.pure.cloud',
  ap_southeast_1: 'apse1.pure.cloud',
  eusc_de_east_1: 'edee1.eusc-pure.cloud',
});

export interface GenesysHosts {
  /** e.g. `https://api.mypurecloud.ie` (no trailing slash). */
  apiBaseUrl: string;
  /** e.g. `https://login.mypurecloud.ie` (no trailing slash). */
  loginBaseUrl: string;
}

export interface RegionSettings {
  GENESYS_REGION: string;
  GENESYS_API_BASE_URL?: string | undefined;
  GENESYS_LOGIN_BASE_URL?: string | undefined;
}

/**
 * Resolves the API and login hosts. The region may be given as its key (`eu_west_1`, also `eu-west-1`) or as
 * its environment domain (`mypurecloud.ie`). `GENESYS_API_BASE_URL` / `GENESYS_LOGIN_BASE_URL` override each
 * host independently (the emulator serves both on one port, so set both).
 */
export function resolveGenesysHosts(settings: RegionSettings): GenesysHosts {
  const env = regionEnvironment(settings.GENESYS_REGION);
  const needRegion =
    settings.GENESYS_API_BASE_URL === undefined || settings.GENESYS_LOGIN_BASE_URL === undefined;
  if (env === undefined && needRegion) {
    throw new GenesysConfigError(
      `GENESYS_REGION "${settings.GENESYS_REGION}" is not a known region; use one of ${Object.keys(GENESYS_REGIONS).join(', ')}`,
    );
  }
  return {
    apiBaseUrl: trimSlash(settings.GENESYS_API_BASE_URL ?? `https://api.${env ?? ''}`),
    loginBaseUrl: trimSlash(settings.GENESYS_LOGIN_BASE_URL ?? `https://login.${env ?? ''}`),
  };
}

/** The environment domain of a region key or domain; undefined when unknown. */
export function regionEnvironment(region: string): string | undefined {
  const key = region.trim().toLowerCase().replace(/-/g, '_');
  const byKey = GENESYS_REGIONS[key];
  if (byKey !== undefined) {
    return byKey;
  }
  const domain = region.trim().toLowerCase();
  return Object.values(GENESYS_REGIONS).includes(domain) ? domain : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
