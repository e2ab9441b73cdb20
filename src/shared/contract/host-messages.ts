// Everything the host may post to a webview, as the host checks it before posting: the notifications every
// webview bundle knows (notifications.ts) plus those of features whose schemas live in their own module and are
// bundled only by the script that uses them (session-settings.ts). Host-only, like webview-messages.ts.
import { messageUnion, type MessageOf } from "./protocol";
import { HOST_NOTIFICATIONS, ResponseSchema, type HostMessage } from "./notifications";
import { SESSION_SETTINGS_NOTIFICATIONS } from "./session-settings";

export const HostOutgoingSchema = messageUnion(HOST_NOTIFICATIONS, SESSION_SETTINGS_NOTIFICATIONS, [{ message: ResponseSchema }]);
export type HostOutgoing = HostMessage | MessageOf<(typeof SESSION_SETTINGS_NOTIFICATIONS)[number]>;
