/**
 * Absolute links that answers, stored search records and webhook events carry, under PUBLIC_BASE_URL (the config
 * derives it from HOST:PORT when unset; never from a request's Host header).
 */
export interface Links {
  thumbnail(imageId: string): string;
  evidence(originalId: string): string;
  searchThumbnail(searchId: string): string;
  /** The match picture of a search's hit (`index`: its 0-based position in the answered hits). */
  searchHitMatch(searchId: string, index: number): string;
  /** The match picture of an alert. */
  alertMatch(alertId: string): string;
  complaint(complaintId: string): string;
}

export function linksFrom(base: string): Links {
  const origin = base.replace(/\/+$/, "");
  return {
    thumbnail: (imageId) => `${origin}/v1/images/${imageId}/thumbnail`,
    evidence: (originalId) => `${origin}/v1/originals/${originalId}/evidence`,
    searchThumbnail: (searchId) => `${origin}/v1/searches/${searchId}/thumbnail`,
    searchHitMatch: (searchId, index) => `${origin}/v1/searches/${searchId}/hits/${index}/match.png`,
    alertMatch: (alertId) => `${origin}/v1/alerts/${alertId}/match.png`,
    complaint: (complaintId) => `${origin}/v1/complaints/${complaintId}`,
  };
}

/** Links in what jobs and events write (alerts, webhook events): there is no request to take an origin from. */
export function jobLinks(config: { PUBLIC_BASE_URL: string }): Links {
  return linksFrom(config.PUBLIC_BASE_URL);
}
