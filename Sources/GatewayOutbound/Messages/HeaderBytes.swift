extension BidirectionalCollection where Element == UInt8 {
    /// The bytes without those `isBlank` picks at either end: a header value read from the wire without the
    /// whitespace around it, with no string built. Inlinable: curl's header callback calls it for every header line.
    @inlinable
    public func trimming(_ isBlank: (UInt8) -> Bool) -> SubSequence {
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
