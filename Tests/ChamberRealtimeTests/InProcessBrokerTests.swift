import ChamberDomain
import ChamberRealtime
import Foundation
import NIOCore
import Synchronization
import Testing

@Suite("In-process broker")
struct InProcessBrokerTests {
    @Test("every message is delivered once, in order, and a publish costs the same after thousands of them")
    func flatDelivery() {
        let broker = InProcessBroker()
        let received = Mutex<(seqs: [Int64], depths: [Int])>(([], []))
        broker.attach(
            BrokerHandlers(deliver: { message in
                let depth = Thread.callStackReturnAddresses.count
                received.withLock {
                    $0.seqs.append(message.seq ?? -1); $0.depths.append(depth)
                }
            }))
        let topic = BrokerMessage.Topic.chamber(ChamberID(UUID().uuidString.lowercased()))
        for seq in 1...5_000 {
            broker.publish(BrokerMessage(topic: topic, seq: Int64(seq), frame: ByteBuffer(string: "{}")))
        }
        received.withLock { received in
            #expect(received.seqs == Array(1...5_000).map(Int64.init))
            // The handler once sat behind a chain of thunks that grew by two calls per publish.
            #expect(received.depths.first == received.depths.last, "the call depth stays flat")
        }
    }
}
