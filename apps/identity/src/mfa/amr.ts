/**
 * Authentication method references (RFC 8176) carried in the access token's `amr` claim: how the session was
 * authenticated. `pwd` alone is a password sign-in; a sign-in completed with the second factor adds `otp` and
 * `mfa`. Organization decides "this organization requires MFA" from `mfa` in a verified token's `amr`.
 */
export const AMR_PASSWORD: readonly string[] = ['pwd'];
export const AMR_MFA: readonly string[] = ['pwd', 'otp', 'mfa'];

/** a session's methods; sessions started before MFA existed hold none, and were password sign-ins */
export const amrOf = (session: { amr?: string[] }): string[] => [...(session.amr ?? AMR_PASSWORD)];
