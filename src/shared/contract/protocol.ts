// How a host↔webview message is declared, after vscode-languageclient's RequestType<P, R> / NotificationType<P>
// as microsoft/vscode-eslint's $shared/customMessages.ts uses them: one declaration per message binds its name,
// its params and (for a request) its result, so both ends are typed by the same object. The webview's
// `bridge.request(ListSessions, params)` resolves to ListSessions' result, checked against its result schema on
// arrival; the host's handler for ListSessions must return that result type or the extension does not compile.
// On the wire the params sit beside `type` (and a request's `requestId`): {type: "listSessions", requestId: 3, search: "x"}.
import * as z from "zod/mini";
import { KrabError } from "../base/errors";

/** A string of at most `max` characters (every string the webview sends is bounded). */
export function str(max: number) {
  return z.string().check(z.maxLength(max));
}
/** The webview numbers its requests from 1; the one `response` to each carries the same number. */
export const RequestIdSchema = z.int().check(z.gte(1));

type Shape = Record<string, z.core.$ZodType>;
type Reserved = "type" | "requestId";

/** Webview → host, answered by exactly one `response` (its `result`, or `ok: false` with an error). */
export interface RequestType<M extends string = string, P extends Shape = Shape, R extends z.ZodMiniType = z.ZodMiniType> {
  readonly method: M;
  /** The whole message as the host validates it: `type`, `requestId` and the params. */
  readonly message: z.ZodMiniObject<{ type: z.ZodMiniLiteral<M>; requestId: typeof RequestIdSchema } & P>;
  /** What the host answers with; the webview parses every result with it. */
  readonly result: R;
}

/** One way, unanswered (host → webview state and intents; webview → host `ready`, logs, render reports). */
export interface NotificationType<M extends string = string, P extends Shape = Shape> {
  readonly method: M;
  readonly message: z.ZodMiniObject<{ type: z.ZodMiniLiteral<M> } & P>;
}

/** What any request declaration is, for code that handles requests generically (the bridge, the channel). */
export interface AnyRequestType {
  readonly method: string;
  readonly message: z.ZodMiniType;
  readonly result: z.ZodMiniType;
}

export function request<const M extends string, P extends Shape & { [K in Reserved]?: never }, R extends z.ZodMiniType>(
  method: M,
  params: P,
  result: R,
): RequestType<M, P, R> {
  return { method, message: z.object({ type: z.literal(method), requestId: RequestIdSchema, ...params }), result };
}

export function notification<const M extends string, P extends Shape & { [K in Reserved]?: never }>(method: M, params: P): NotificationType<M, P> {
  return { method, message: z.object({ type: z.literal(method), ...params }) };
}

/** The message on the wire for a declaration (a union of messages for a union of declarations). */
export type MessageOf<T extends { readonly message: z.ZodMiniType }> = z.infer<T["message"]>;
/** A declaration's params: its message without `type` and `requestId`. */
export type ParamsOf<T extends { readonly message: z.ZodMiniType }> = Omit<MessageOf<T>, Reserved>;
export type ResultOf<T extends AnyRequestType> = z.infer<T["result"]>;
/** The params argument: optional when every param is. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "{} extends X": X has no required key
export type ParamsArg<T extends { readonly message: z.ZodMiniType }> = {} extends ParamsOf<T> ? [params?: ParamsOf<T>] : [params: ParamsOf<T>];

/** The schema of "any one of the messages in these lists", keyed by `type`. */
type DeclarationLists = readonly (readonly { readonly message: z.ZodMiniType }[])[];
export function messageUnion<const L extends DeclarationLists>(...lists: L): z.ZodMiniType<MessageOf<L[number][number]>> {
  const options = lists.flatMap((l) => l.map((d) => d.message));
  return z.discriminatedUnion("type", options as unknown as [z.core.$ZodTypeDiscriminable]) as unknown as z.ZodMiniType<MessageOf<L[number][number]>>;
}

/** Parses an incoming message; returns the reason instead of throwing. */
export function parseMessage<T extends z.ZodMiniType>(schema: T, data: unknown): { ok: true; value: z.infer<T> } | { ok: false; reason: string } {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, reason: first ? `${first.path.map(String).join(".") || "(root)"}: ${first.message}` : "invalid" };
}

/** The host answered a request with something that is not the request's declared result: a bug on the host side. */
export class InvalidResultError extends KrabError {
  constructor(
    readonly method: string,
    reason: string,
  ) {
    super({ kind: "invalid-result", message: `The answer to “${method}” does not fit the contract (${reason}).`, nextStep: "", retryable: false });
    this.name = "InvalidResultError";
  }
}

/**
 * Compile-time checks that a schema and a hand-written type describe the same thing: `Expect<Equal<A, B>>`
 * fails to compile when they differ, an optional field present on one side only included (plain mutual
 * assignability would let that through).
 */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type Expect<T extends true> = T;
