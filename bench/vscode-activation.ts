import type { Results } from "./lib";
export async function benchActivation(_res: Results, _quick: boolean): Promise<void> {}
