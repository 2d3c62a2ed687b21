//! A trace written by `TraceWriter` reads back as the same header and records (the header
//! fixture is zswap-testkit's, shared with the tests of what reads traces).

use zswap_core::trace::{Op, OpOutcome, TraceRecord, TraceWriter, read_trace};
use zswap_testkit::trace::trace_header;

fn record() -> TraceRecord {
    TraceRecord {
        t_ns: 5,
        op: Op::Store,
        outcome: OpOutcome::Ok,
        cgroup: 28,
        pid: 7,
        comm: "w".into(),
        latency_ns: 900,
        bytes: 1712,
        pages: 1,
        ret: 1,
        swap_type: Some(0),
        swap_offset: Some(1043),
    }
}

#[test]
fn round_trip() {
    let mut w = TraceWriter::new(Vec::new(), &trace_header()).unwrap();
    w.record(&record()).unwrap();
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    let (h, r) = read_trace(&text).unwrap();
    assert_eq!(h, trace_header());
    assert_eq!(r, vec![record()]);
}
