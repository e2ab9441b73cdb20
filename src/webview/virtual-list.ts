// A virtualized list for variable-height rows: only the rows near the viewport are in the DOM, with two
// spacers standing in for the rest. Heights are measured once rendered and estimated before that, so a
// 10,000-message session costs a few dozen DOM rows. It sticks to the bottom while the user is there
// (streaming replies stay in view) and keeps the first visible row in place when older rows are prepended.
export interface VirtualListOptions<T> {
  scroller: HTMLElement;
  content: HTMLElement;
  key: (item: T) => string;
  /** Fills or updates `el` for `item`; `el` is reused for the same key. */
  render: (el: HTMLElement, item: T) => void;
  /** What a row's rendering depends on (default: its JSON). Computed only for rows in the window. */
  signature?: (item: T) => string;
  estimate?: number;
  overscanPx?: number;
}

export class VirtualList<T> {
  private items: T[] = [];
  private readonly heights = new Map<string, number>();
  private readonly rows = new Map<string, HTMLElement>();
  // The item (and its signature) each row element was last rendered from. Change detection is lazy: only rows
  // about to be shown are compared, so a 10,000-item state costs no per-item work beyond the offsets (issue 17).
  private readonly renderedAs = new WeakMap<HTMLElement, { item: T; sig: string }>();
  private readonly signature: (item: T) => string;
  private readonly top = document.createElement("div");
  private readonly bottom = document.createElement("div");
  private readonly rowsBox = document.createElement("div");
  private stick = true;
  private frame = 0;
  private readonly estimate: number;
  private readonly overscan: number;

  constructor(private readonly o: VirtualListOptions<T>) {
    this.estimate = o.estimate ?? 72;
    this.overscan = o.overscanPx ?? 600;
    this.signature = o.signature ?? ((item) => JSON.stringify(item));
    this.top.className = "vl-spacer";
    this.bottom.className = "vl-spacer";
    this.rowsBox.className = "vl-rows";
    o.content.append(this.top, this.rowsBox, this.bottom);
    o.scroller.addEventListener("scroll", () => {
      this.stick = this.atBottom();
      this.schedule();
    }, { passive: true });
    new ResizeObserver(() => this.schedule()).observe(o.scroller);
  }

  get domRows(): number {
    return this.rowsBox.childElementCount;
  }

  atBottom(): boolean {
    const s = this.o.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
  }

  /** Replaces the item list. Rows re-render when their item's signature changed; `changed` ids re-render anyway. */
  setItems(items: T[], changed?: Set<string>): void {
    const firstBefore = this.items.length ? this.o.key(this.items[0]!) : null;
    const prepended = firstBefore !== null && items.length > this.items.length && this.o.key(items[0]!) !== firstBefore;
    const anchor = !this.stick && prepended ? this.firstVisible() : null;
    this.items = items;
    const keep = new Set(items.map(this.o.key));
    for (const [id, el] of this.rows) {
      if (keep.has(id)) continue;
      el.remove();
      this.rows.delete(id);
    }
    if (changed) for (const id of changed) this.rows.get(id)?.removeAttribute("data-rendered");
    for (const id of this.heights.keys()) if (!keep.has(id)) this.heights.delete(id);
    this.update(anchor);
  }

  scrollToBottom(): void {
    this.stick = true;
    this.update(null);
  }

  private schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => ((this.frame = 0), this.update(null)));
  }

  private firstVisible(): { id: string; offsetFromTop: number } | null {
    const st = this.o.scroller.getBoundingClientRect().top;
    for (const el of this.rowsBox.children) {
      const r = (el as HTMLElement).getBoundingClientRect();
      if (r.bottom > st) return { id: (el as HTMLElement).dataset.id!, offsetFromTop: r.top - st };
    }
    return null;
  }

  private heightOf(id: string) {
    return this.heights.get(id) ?? this.estimate;
  }

  private update(anchor: { id: string; offsetFromTop: number } | null) {
    const { scroller, key, render } = this.o;
    const n = this.items.length;
    const offsets = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + this.heightOf(key(this.items[i]!));
    const total = offsets[n]!;
    const view = scroller.clientHeight || 600;
    let scrollTop = this.stick ? Math.max(0, total - view) : scroller.scrollTop;
    if (anchor) {
      const idx = this.items.findIndex((it) => key(it) === anchor.id);
      if (idx >= 0) scrollTop = offsets[idx]! - anchor.offsetFromTop;
    }
    // Binary search the first row whose bottom is past the top of the overscanned window.
    const lo = Math.max(0, scrollTop - this.overscan);
    const hi = scrollTop + view + this.overscan;
    let a = 0;
    let b = n;
    while (a < b) {
      const m = (a + b) >> 1;
      if (offsets[m + 1]! <= lo) a = m + 1;
      else b = m;
    }
    const first = a;
    let last = first;
    while (last < n && offsets[last]! < hi) last++;
    // Rows in [first, last): reuse, render, order.
    const wanted: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const item = this.items[i]!;
      const id = key(item);
      let el = this.rows.get(id);
      if (!el) {
        el = document.createElement("div");
        el.dataset.id = id;
        this.rows.set(id, el);
      }
      const was = this.renderedAs.get(el);
      if (!el.hasAttribute("data-rendered") || !was || was.item !== item) {
        const sig = this.signature(item);
        if (!el.hasAttribute("data-rendered") || !was || was.sig !== sig) render(el, item);
        el.setAttribute("data-rendered", "");
        this.renderedAs.set(el, { item, sig });
      }
      wanted.push(el);
    }
    const wantedSet = new Set(wanted);
    for (const el of [...this.rowsBox.children]) if (!wantedSet.has(el as HTMLElement)) el.remove();
    let prev: Element | null = null;
    for (const el of wanted) {
      const at: Element | null = prev ? prev.nextElementSibling : this.rowsBox.firstElementChild;
      if (at !== el) this.rowsBox.insertBefore(el, at);
      prev = el;
    }
    // Rows that scrolled out keep their element (cheap to re-attach) only while few; drop the rest.
    if (this.rows.size > 400) for (const [id, el] of this.rows) if (!wantedSet.has(el)) this.rows.delete(id);
    // Measure what is rendered; correct spacer heights from real sizes.
    for (const el of wanted) {
      const h = el.offsetHeight;
      if (h > 0) this.heights.set(el.dataset.id!, h);
    }
    // Only rows in [first, last) were measured: offsets before `first` and the sizes after `last` still hold,
    // so the spacers come from the offsets computed above instead of two more passes over all items.
    const offsetsAfter = (i: number) => {
      let s = offsets[Math.min(i, first)]!;
      for (let j = first; j < Math.min(i, last); j++) s += this.heightOf(key(this.items[j]!));
      return i > last ? s + offsets[i]! - offsets[last]! : s;
    };
    const topH = offsets[first]!;
    const restH = total - offsets[last]!;
    this.top.style.height = `${topH}px`;
    this.bottom.style.height = `${restH}px`;
    if (this.stick) scroller.scrollTop = scroller.scrollHeight;
    else if (anchor) {
      const idx = this.items.findIndex((it) => key(it) === anchor.id);
      if (idx >= 0) scroller.scrollTop = offsetsAfter(idx) - anchor.offsetFromTop;
    }
  }
}
