// The platform layer: every decision that differs between Windows, macOS and Linux on the laptop side.
// See platform.ts for why it exists; each module returns plans that tests check without running that OS.
export * from "./platform";
export * from "./command";
export * from "./process-tree";
export * from "./ssh-locations";
export * from "./port-owner";
