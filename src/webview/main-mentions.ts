// The @-mention list (mention-popup.ts) as a script of its own, which the side panel loads on the first "@"
// (mention-loader.ts): it defines the function the chat bundle then calls.
import { mountMentions } from "./mention-popup";
import type { MountMentions } from "./mention-loader";

(window as unknown as { krabkrabMentions: MountMentions }).krabkrabMentions = mountMentions;
