// One way to own subscriptions, timers and child objects, after VS Code's base/common/lifecycle.ts: whatever
// an object creates that must be released is registered once (`this._register(x)` or `store.add(x)`) and
// released together by `dispose()`. Runtime-neutral (no `vscode`, no Node): the extension, src/gateway and the
// webviews all use it; a `vscode.Disposable` fits `IDisposable` as it is.

export interface IDisposable {
  dispose(): void;
}

/** Wraps a teardown function (an unsubscribe, a clearTimeout) as a disposable that runs it at most once. */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Disposes every item, even when some throw; rethrows the first failure (all of them in an AggregateError). */
export function dispose(items: Iterable<IDisposable | undefined>): void {
  const errors: unknown[] = [];
  for (const d of items) {
    try {
      d?.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, "several disposables failed to dispose");
}

/** One disposable for several (VS Code's combinedDisposable): `this._register(combinedDisposable(a, b))`. */
export function combinedDisposable(...items: IDisposable[]): IDisposable {
  return toDisposable(() => dispose(items));
}

/** A set of disposables released together. Adding to a disposed store disposes the item at once (no leak). */
export class DisposableStore implements IDisposable {
  private readonly items = new Set<IDisposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends IDisposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  /** Removes `item` without disposing it. */
  delete(item: IDisposable): void {
    this.items.delete(item);
  }

  /** Disposes what is held now and stays usable (for per-connection subscriptions). */
  clear(): void {
    const held = [...this.items];
    this.items.clear();
    dispose(held);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/** Base class for owners: `this._register(x)` ties x's lifetime to this object's. */
export abstract class Disposable implements IDisposable {
  protected readonly _store = new DisposableStore();

  protected _register<T extends IDisposable>(item: T): T {
    return this._store.add(item);
  }

  dispose(): void {
    this._store.dispose();
  }
}

/** Holds at most one disposable; setting a new one disposes the old (a per-connection subscription). */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
  private current: T | undefined;
  private disposed = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (next === this.current) return;
    const old = this.current;
    this.current = this.disposed ? undefined : next;
    old?.dispose();
    if (this.disposed) next?.dispose();
  }

  clear(): void {
    this.value = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
  }
}
