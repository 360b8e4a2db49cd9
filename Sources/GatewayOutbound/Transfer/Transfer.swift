import CCurl

/// One send of a request through the transfer loop: what to send, where to connect, the bytes that came back,
/// and the caller waiting for them. The request's fresh headers are made when the transfer is, so every transfer
/// carries its own, and the transfer lets libcurl send them once only.
final class Transfer: @unchecked Sendable {
    // Safe to share: the caller builds it and hands it to the loop, and from then on only the loop thread
    // touches the mutable fields (libcurl calls the callbacks below on that thread, inside curl_multi_perform),
    // except `cancelRequested`, which only the loop's lock guards.

    /// How a transfer ended.
    enum Outcome {
        /// Any HTTP status.
        case response(OutboundResponse)
        case failure(OutboundError)
        /// libcurl was about to send the request again by itself (a reused connection died before any reply
        /// byte) and was stopped before a byte went out: the caller may send it again, with fresh headers.
        case sendAgain
    }

    let request: OutboundRequest
    /// The header fields of this send: the request's own, then its fresh ones, made now.
    let headerFields: [(name: String, value: String)]
    let url: OutboundURL
    /// Checked addresses the connection must use; empty when the host is a literal address.
    let pinnedAddresses: [IPAddress]
    let policy: OutboundPolicy
    let started: ContinuousClock.Instant
    /// Use a new connection, not one kept alive from earlier calls.
    let freshConnection: Bool
    /// Set by `TransferLoop.start` before the loop can see the transfer.
    var reply: CheckedContinuation<Outcome, Never>?
    /// The handle running this transfer, while it runs.
    var easy: UnsafeMutableRawPointer?
    /// The caller's task was cancelled; guarded by the loop's lock.
    var cancelRequested = false
    /// How many times libcurl has been about to send the request.
    private var sends = 0

    private var headers: [String: String] = [:]
    private var body: [UInt8] = []
    private var overflowed = false
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private let errorText = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    init(
        request: OutboundRequest, url: OutboundURL, pinnedAddresses: [IPAddress], policy: OutboundPolicy,
        started: ContinuousClock.Instant, freshConnection: Bool = false
    ) {
        self.request = request
        headerFields = request.headers + (request.freshHeaders?() ?? [])
        self.url = url
        self.pinnedAddresses = pinnedAddresses
        self.policy = policy
        self.started = started
        self.freshConnection = freshConnection
        errorText.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_slist_free_all(resolveList)
        errorText.deallocate()
    }

    /// Sets every option of `easy` for this request; the handle must outlive neither this transfer nor its lists.
    func configure(_ easy: UnsafeMutableRawPointer) throws(OutboundError) {
        headerList = try requestHeaderList()
        if !pinnedAddresses.isEmpty {
            // "host:port:addr,addr": curl connects to these checked addresses and never asks DNS again,
            // so a rebinding resolver cannot swap them between the check and the connect.
            let entry = "\(url.host):\(url.port):" + pinnedAddresses.map(\.urlForm).joined(separator: ",")
            resolveList = curl_slist_append(nil, entry)
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        var code = CURLE_OK
        func set(_ option: CURLoption, _ value: Int) { if code == CURLE_OK { code = ocg_curl_setopt_long(easy, option, value) } }
        func set(_ option: CURLoption, _ value: String) { if code == CURLE_OK { code = ocg_curl_setopt_ptr(easy, option, value) } }
        func set(_ option: CURLoption, pointer: UnsafeRawPointer?) { if code == CURLE_OK { code = ocg_curl_setopt_ptr(easy, option, pointer) } }

        set(CURLOPT_URL, url.text)
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        set(CURLOPT_FOLLOWLOCATION, 0)
        set(CURLOPT_PROXY, "")  // an empty proxy overrides http_proxy and friends from the environment
        set(CURLOPT_NOSIGNAL, 1)  // many threads: no SIGALRM-based DNS timeouts
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        // Name resolution already spent part of the request's budget; the transfer gets what is left.
        let remaining = request.timeout - (ContinuousClock.now - started)
        set(CURLOPT_TIMEOUT_MS, max(1, Int(remaining.milliseconds)))
        set(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(min(remaining, policy.connectTimeout).milliseconds)))
        set(CURLOPT_TCP_KEEPALIVE, 1)
        set(CURLOPT_FRESH_CONNECT, freshConnection ? 1 : 0)
        if code == CURLE_OK { code = ocg_curl_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(policy.maxResponseBytes)) }
        set(CURLOPT_HTTPHEADER, pointer: headerList.map { UnsafeRawPointer($0) })
        set(CURLOPT_RESOLVE, pointer: resolveList.map { UnsafeRawPointer($0) })
        set(CURLOPT_ERRORBUFFER, pointer: errorText)
        set(CURLOPT_WRITEDATA, pointer: me)
        set(CURLOPT_HEADERDATA, pointer: me)
        if code == CURLE_OK {
            code = ocg_curl_setopt_write(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().receiveBody(data, size * count)
            }
        }
        if code == CURLE_OK {
            code = ocg_curl_setopt_write(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().receiveHeader(data, size * count)
            }
        }
        set(CURLOPT_PREREQDATA, pointer: me)
        if code == CURLE_OK {
            code = ocg_curl_setopt_prereq(easy) { context, _, _, _, _ in
                Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().beforeSend()
            }
        }
        setMethodAndBody(easy, &code)
        guard code == CURLE_OK else {
            throw .network(url: url.text, message: "could not configure transfer: " + String(cString: curl_easy_strerror(code)))
        }
    }

    private func setMethodAndBody(_ easy: UnsafeMutableRawPointer, _ code: inout CURLcode) {
        let method = request.method.uppercased()
        if code == CURLE_OK, method == "HEAD" { code = ocg_curl_setopt_long(easy, CURLOPT_NOBODY, 1) }
        if code == CURLE_OK, method == "GET", request.body.isEmpty { code = ocg_curl_setopt_long(easy, CURLOPT_HTTPGET, 1) }
        if method == "POST" || !request.body.isEmpty {
            if code == CURLE_OK { code = ocg_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)) }
            // COPYPOSTFIELDS copies the bytes, so the body need not stay pinned for the transfer's life.
            if code == CURLE_OK {
                code = request.body.isEmpty
                    ? ocg_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, "")
                    : request.body.withUnsafeBytes { ocg_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            }
        }
        if code == CURLE_OK, !["GET", "HEAD", "POST"].contains(method) {
            code = ocg_curl_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, method)
        }
    }

    private func requestHeaderList() throws(OutboundError) -> UnsafeMutablePointer<curl_slist>? {
        guard Self.isToken(request.method) else {
            throw .refused(url: url.text, reason: "method '\(request.method)' is not a valid HTTP token")
        }
        var lines: [String] = []
        for (name, value) in headerFields {
            guard Self.isToken(name), !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw .refused(url: url.text, reason: "header '\(name)' has a malformed name or a line break in its value")
            }
            // curl drops "Name:" with an empty value; "Name;" is its spelling for an empty header.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        let names = Set(headerFields.map { $0.name.lowercased() })
        // curl would otherwise add "Expect: 100-continue" (a round trip of delay) and a form content type.
        if !names.contains("expect") { lines.append("Expect:") }
        if !names.contains("content-type") { lines.append("Content-Type:") }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            list = curl_slist_append(list, line)
        }
        return list
    }

    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
        }
    }

    /// libcurl calls this each time it is about to send the request, on a new or a reused connection. It sends
    /// again by itself when a reused connection died before any reply byte, with the headers as they were: a
    /// signed request would reach the server with a nonce already spent (the server may have read it, or even
    /// acted on it, before the connection died). So only the first send goes; a later one ends the transfer
    /// (`sendAgain`) before a byte is written, and the client sends the request again with fresh headers.
    private func beforeSend() -> Int32 {
        sends += 1
        return sends == 1 ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT
    }

    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        guard body.count + length <= policy.maxResponseBytes else {
            overflowed = true
            return 0  // anything short of `length` makes curl abort with CURLE_WRITE_ERROR
        }
        if let data, length > 0 {
            body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        }
        return length
    }

    private func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        guard let data else { return length }
        // Parsed as bytes: this runs for every header of every response, thousands of times a second.
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        if bytes.starts(with: "HTTP/".utf8) {
            headers = [:]  // a new status line (after a 1xx) starts a new header block
        } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
            // curl hands each line with its CRLF: that goes with the spaces and tabs around the value.
            let trimmed = bytes[(colon + 1)...].trimming { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d || $0 == 0x0a }
            let value = String(decoding: trimmed, as: UTF8.self)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return length
    }

    /// Hands the outcome of a finished transfer to the waiting caller.
    func finish(_ code: CURLcode, _ easy: UnsafeMutableRawPointer) {
        reply?.resume(returning: outcome(code, easy))
        reply = nil
    }

    /// Fails the transfer before it completed (cancelled, client shut down, or configuration failed).
    func fail(_ error: OutboundError) {
        reply?.resume(returning: .failure(error))
        reply = nil
    }

    private func outcome(_ code: CURLcode, _ easy: UnsafeMutableRawPointer) -> Outcome {
        let elapsed = ContinuousClock.now - started
        switch code {
        case CURLE_OK:
            var status = 0
            _ = ocg_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            var ip: UnsafeMutablePointer<CChar>?
            _ = ocg_curl_getinfo_string(easy, CURLINFO_PRIMARY_IP, &ip)
            return .response(OutboundResponse(
                status: status, headers: headers, body: body, duration: elapsed,
                remoteAddress: ip.map { String(cString: $0) } ?? ""))
        case CURLE_ABORTED_BY_CALLBACK where sends > 1:
            return .sendAgain
        case CURLE_FILESIZE_EXCEEDED:
            return .failure(.responseTooLarge(url: url.text, limit: policy.maxResponseBytes))
        case CURLE_WRITE_ERROR where overflowed:
            return .failure(.responseTooLarge(url: url.text, limit: policy.maxResponseBytes))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timeout(url: url.text, after: elapsed))
        default:
            let detail = String(cString: errorText)
            return .failure(.network(url: url.text, message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
        }
    }
}
