import Testing

@testable import AloftRuntime

@Suite("Bounded caches")
struct BoundedCacheTests {
    @Test("a bounded cache forgets its oldest entries first")
    func fifo() {
        let cache = BoundedCache<Int, Int>(capacity: 3)
        for key in 0..<10 { cache.set(key * 10, for: key) }
        #expect(cache.count == 3)
        #expect(cache[9] == 90 && cache[7] == 70 && cache[6] == nil)
        cache.set(99, for: 9)
        #expect(cache[9] == 99 && cache.count == 3)
    }
}
