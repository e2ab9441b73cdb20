// src/shared/base/lifecycle.ts: the one disposal pattern every room uses.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Disposable, DisposableStore, MutableDisposable, dispose, toDisposable } from "../../../src/shared/base/lifecycle";

test("DisposableStore disposes everything once, and items added after dispose at once", () => {
  const calls: string[] = [];
  const s = new DisposableStore();
  s.add(toDisposable(() => calls.push("a")));
  s.add(toDisposable(() => calls.push("b")));
  s.dispose();
  s.dispose();
  assert.deepEqual(calls, ["a", "b"]);
  s.add(toDisposable(() => calls.push("late")));
  assert.deepEqual(calls, ["a", "b", "late"], "a late add must not leak");
});

test("clear() releases the held items and the store stays usable; delete() forgets without disposing", () => {
  const calls: string[] = [];
  const s = new DisposableStore();
  const kept = toDisposable(() => calls.push("kept"));
  s.add(kept);
  s.delete(kept);
  s.add(toDisposable(() => calls.push("1")));
  s.clear();
  s.add(toDisposable(() => calls.push("2")));
  s.dispose();
  assert.deepEqual(calls, ["1", "2"]);
});

test("dispose() goes on past a throwing item and rethrows (one error as is, several aggregated)", () => {
  const calls: string[] = [];
  const boom = (m: string) => toDisposable(() => { throw new Error(m); });
  assert.throws(() => dispose([boom("x"), toDisposable(() => calls.push("after"))]), /x/);
  assert.deepEqual(calls, ["after"]);
  assert.throws(() => dispose([boom("x"), boom("y")]), (e: unknown) => e instanceof AggregateError && e.errors.length === 2);
});

test("Disposable._register ties lifetimes; MutableDisposable swaps and disposes the old value", () => {
  const calls: string[] = [];
  class Owner extends Disposable {
    readonly slot = this._register(new MutableDisposable());
    constructor() {
      super();
      this._register(toDisposable(() => calls.push("owned")));
    }
  }
  const o = new Owner();
  o.slot.value = toDisposable(() => calls.push("first"));
  o.slot.value = toDisposable(() => calls.push("second"));
  assert.deepEqual(calls, ["first"]);
  o.dispose();
  assert.deepEqual(calls.sort(), ["first", "owned", "second"]);
  o.slot.value = toDisposable(() => calls.push("after-dispose"));
  assert.ok(calls.includes("after-dispose"), "a value set after dispose is disposed at once");
});
