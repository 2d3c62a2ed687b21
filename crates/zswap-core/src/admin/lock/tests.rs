use super::*;

fn tree() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn lock_lives_below_the_root_and_names_its_holder() {
    let t = tree();
    let root = SysRoot::at(t.path());
    let l = ParamsLock::acquire(&root, Duration::ZERO, "zswapctl apply -f a.yaml").unwrap();
    assert_eq!(l.path(), t.path().join("run/zswap-tools/zswap-params.lock"));
    let h = lock_holder(&root).unwrap().unwrap();
    assert_eq!(h.pid, Some(std::process::id()));
    assert_eq!(h.command.as_deref(), Some("zswapctl apply -f a.yaml"));
    assert!(h.since_ms.is_some());
}

#[test]
fn second_writer_without_wait_fails_at_once_naming_the_holder() {
    let t = tree();
    let root = SysRoot::at(t.path());
    let _held = ParamsLock::acquire(&root, Duration::ZERO, "first").unwrap();
    let start = Instant::now();
    let e = ParamsLock::acquire(&root, Duration::ZERO, "second").unwrap_err();
    assert!(start.elapsed() < Duration::from_millis(500));
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("pid '{}' ('first')", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains("not waiting (--no-wait)"), "{msg}");
}

#[test]
fn waiting_writer_gives_up_after_its_wait() {
    let t = tree();
    let root = SysRoot::at(t.path());
    let _held = ParamsLock::acquire(&root, Duration::ZERO, "first").unwrap();
    let start = Instant::now();
    let e = ParamsLock::acquire(&root, Duration::from_millis(300), "second").unwrap_err();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert!(matches!(e, LockError::Busy { .. }));
    assert!(e.to_string().contains("gave up after waiting"), "{e}");
}

#[test]
fn released_lock_is_taken_by_the_waiting_writer() {
    let t = tree();
    let root = SysRoot::at(t.path());
    let held = ParamsLock::acquire(&root, Duration::ZERO, "first").unwrap();
    let r2 = root.clone();
    let waiter =
        std::thread::spawn(move || ParamsLock::acquire(&r2, Duration::from_secs(10), "second"));
    std::thread::sleep(Duration::from_millis(100));
    drop(held);
    let l = waiter.join().unwrap().unwrap();
    let h = lock_holder(&root).unwrap().unwrap();
    assert_eq!(h.command.as_deref(), Some("second"));
    drop(l);
    assert_eq!(lock_holder(&root).unwrap(), None);
}

#[test]
fn no_lock_file_means_no_holder() {
    let t = tree();
    assert_eq!(lock_holder(&SysRoot::at(t.path())).unwrap(), None);
}

#[test]
fn holder_parse_ignores_unknown_and_bad_lines() {
    let h = LockHolder::parse("pid=12\nsince_ms=x\ncommand=a b=c\nother=1\n");
    assert_eq!(h.pid, Some(12));
    assert_eq!(h.since_ms, None);
    assert_eq!(h.command.as_deref(), Some("a b=c"));
    assert_eq!(LockHolder::parse(""), LockHolder::default());
}

#[test]
fn long_held_lock_is_a_finding_with_a_fix() {
    let h = LockHolder {
        pid: Some(42),
        since_ms: Some(1_000),
        command: Some("zswapctl apply -f x".into()),
    };
    let p = Path::new("/run/zswap-tools/zswap-params.lock");
    assert_eq!(check_lock(Some(&h), p, 1_000 + 59_999), None);
    let f = check_lock(Some(&h), p, 1_000 + 60_000).unwrap();
    assert_eq!(f.code, "params-lock-held");
    assert!(
        f.message.contains("pid '42' ('zswapctl apply -f x')"),
        "{}",
        f.message
    );
    assert!(f.message.contains("for 60 s"), "{}", f.message);
    assert!(f.fix.contains("kill 42"), "{}", f.fix);
    assert_eq!(check_lock(None, p, u64::MAX), None);
}
