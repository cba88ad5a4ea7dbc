/// Fixed storage for the sample loop: allocated once, written without Array's uniqueness and bounds
/// checks (as `UnsafeMutableBufferPointer`, bounds are asserted in debug builds only), freed by its
/// own `deinit`. Noncopyable, so exactly one owner frees it.
///
/// The subscript's setter is `nonmutating` (the elements live behind the pointer), so a `let` property
/// of a class can be written without an exclusivity check.
struct Block<Element>: ~Copyable {
    /// The first element; the sample loop keeps it in a local to walk the block.
    let base: UnsafeMutablePointer<Element>
    let count: Int

    init(repeating value: Element, count: Int) {
        precondition(count > 0, "a block holds at least one element")
        base = .allocate(capacity: count)
        base.initialize(repeating: value, count: count)
        self.count = count
    }

    init(_ values: [Element]) {
        self.init(repeating: values[0], count: values.count)
        for (k, v) in values.enumerated() { base[k] = v }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var indices: Range<Int> { 0..<count }

    subscript(i: Int) -> Element {
        @inline(__always) get {
            assert(i >= 0 && i < count, "index \(i) outside a block of \(count)")
            return base[i]
        }
        @inline(__always) nonmutating set {
            assert(i >= 0 && i < count, "index \(i) outside a block of \(count)")
            base[i] = newValue
        }
    }

    /// Sets every element to `value`.
    func fill(_ value: Element) {
        for k in 0..<count { base[k] = value }
    }
}

/// A ring of a power-of-two number of slots, indexed by any absolute position (a sample or tick
/// number): slot `i & mask`. The only place a ring index is masked.
struct Ring<Element>: ~Copyable {
    let storage: Block<Element>
    /// `capacity - 1`: a position's slot is `position & mask`.
    let mask: Int

    /// - Parameter capacity: a power of two.
    init(repeating value: Element, capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0,
                     "a ring's capacity is a power of two, not \(capacity)")
        storage = Block(repeating: value, count: capacity)
        mask = capacity - 1
    }

    var capacity: Int { mask + 1 }
    var base: UnsafeMutablePointer<Element> { storage.base }

    /// The slot of `position`, for loops that walk the storage from `base`.
    @inline(__always)
    func slot(_ position: Int) -> Int { position & mask }

    subscript(position: Int) -> Element {
        @inline(__always) get { storage.base[position & mask] }
        @inline(__always) nonmutating set { storage.base[position & mask] = newValue }
    }

    /// Sets every slot to `value`.
    func fill(_ value: Element) { storage.fill(value) }
}
