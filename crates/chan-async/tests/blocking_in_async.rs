#![cfg(all(feature = "tokio", debug_assertions, not(chan_loom)))]
//! With the `tokio` feature, debug builds refuse blocking calls made from
//! async code on a tokio runtime, and name the async method to use instead;
//! threads that may block (`spawn_blocking`, a plain thread with a runtime
//! entered) are left alone.
//!
//! Run with `cargo test -p chan-async --features tokio`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use chan_async::channel;

/// A blocking call to make, boxed so that different calls fit in one list.
type BlockingCall<'a> = Box<dyn FnOnce() + 'a>;

/// The message of the panic `f` raised, or `None` if it returned.
fn panic_message(f: impl FnOnce()) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(f)).err()?;
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
}

#[tokio::test]
#[should_panic(expected = "recv_blocking called from inside a tokio runtime: use `recv().await`")]
async fn recv_blocking_in_a_task_panics_instead_of_deadlocking() {
    let (tx, rx) = channel::<u8>(1);
    // Without the check this would park the runtime's only thread for ever:
    // the sender below could never run.
    let _ = rx.recv_blocking();
    tx.send(1).await.unwrap();
}

#[test]
fn every_blocking_call_is_refused_in_async_code_with_the_method_to_use() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, rx) = channel::<u8>(1);
        let far = Instant::now() + Duration::from_secs(60);
        let calls: Vec<(&str, &str, BlockingCall<'_>)> = vec![
            (
                "send_blocking",
                "send(value).await",
                Box::new(|| {
                    let _ = tx.send_blocking(1);
                }),
            ),
            (
                "recv_blocking",
                "recv().await",
                Box::new(|| {
                    let _ = rx.recv_blocking();
                }),
            ),
            (
                "send_timeout",
                "send_until(value, timer).await",
                Box::new(|| {
                    let _ = tx.send_timeout(1, Duration::from_secs(60));
                }),
            ),
            (
                "send_deadline",
                "send_until(value, timer).await",
                Box::new(|| {
                    let _ = tx.send_deadline(1, far);
                }),
            ),
            (
                "recv_timeout",
                "recv_until(timer).await",
                Box::new(|| {
                    let _ = rx.recv_timeout(Duration::from_secs(60));
                }),
            ),
            (
                "recv_deadline",
                "recv_until(timer).await",
                Box::new(|| {
                    let _ = rx.recv_deadline(far);
                }),
            ),
            (
                "Receiver::iter",
                "recv().await",
                Box::new(|| {
                    let _ = rx.iter().next();
                }),
            ),
            (
                "Receiver::into_iter",
                "recv().await",
                Box::new(|| {
                    let _ = rx.clone().into_iter().next();
                }),
            ),
        ];
        for (method, instead, call) in calls {
            let message = panic_message(call).unwrap_or_else(|| panic!("{method} did not panic"));
            assert_eq!(
                message,
                format!("{method} called from inside a tokio runtime: use `{instead}`")
            );
        }
        // Nothing was sent or taken.
        assert!(tx.is_empty());
        assert_eq!(tx.try_send(2), Ok(()));
        // `try_iter` never blocks, so it is fine anywhere.
        assert_eq!(rx.try_iter().next(), Some(2));
    });
}

#[test]
fn spawned_tasks_on_a_multi_thread_runtime_are_refused_too() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = channel::<u8>(1);
    let message = runtime.block_on(async move {
        tokio::spawn(async move {
            panic_message(|| {
                let _ = rx.recv_blocking();
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(
        message.as_deref(),
        Some("recv_blocking called from inside a tokio runtime: use `recv().await`")
    );
    drop(tx);
}

#[test]
fn spawn_blocking_and_entered_threads_may_block() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap();
    let (tx, rx) = channel(1);
    // A blocking consumer in `spawn_blocking`, fed by an async task.
    let consumer = runtime.spawn_blocking(move || {
        let first = rx.recv_blocking();
        let second = rx.recv_timeout(Duration::from_secs(10));
        let rest: Vec<u8> = rx.iter().collect();
        (first, second, rest)
    });
    let tx2 = tx.clone();
    runtime.block_on(async move {
        for i in 0..4 {
            tx2.send(i).await.unwrap();
        }
    });
    // A plain thread with the runtime entered blocks as well.
    let _entered = runtime.enter();
    tx.send_blocking(4).unwrap();
    tx.send_timeout(5, Duration::from_secs(10)).unwrap();
    drop(tx);
    let (first, second, rest) = runtime.block_on(consumer).unwrap();
    assert_eq!((first, second), (Some(0), Ok(1)));
    assert_eq!(rest, [2, 3, 4, 5]);
}
