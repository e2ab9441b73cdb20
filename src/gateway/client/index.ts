// The operator client's public surface; src/gateway/index.ts re-exports it. The watchdog and the /readyz
// poll are the client's own business and stay inside.
export * from "./types";
export { OperatorClient } from "./operator-client";
export type { CallOptions } from "./rpc";
export * from "./version-skew";
export { offersScopeUpgrade, requestScopeUpgrade, upgradeRoute, type GrantedUpgrade, type PendingUpgrade } from "./scope-upgrade";
