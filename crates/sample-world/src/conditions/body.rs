//! Response bodies of the conditions: one that writes the call's record when it has been sent,
//! and one that trickles its bytes out (a slow drip).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use hyper::body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::calls::Pending;

/// `inner`, and the call's record, written when the last frame is out (or the body dropped,
/// when the client goes away).
#[derive(Debug)]
pub(crate) struct Logged {
    inner: Body,
    pending: Option<Pending>,
}

impl Logged {
    pub(crate) fn new(inner: Body, pending: Pending) -> Self {
        Self {
            inner,
            pending: Some(pending),
        }
    }
}

impl HttpBody for Logged {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if !matches!(frame, Some(Ok(_))) {
            self.pending.take();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// How many pieces a drip cuts a body into.
const DRIP_CHUNKS: usize = 20;

/// `body` in [`DRIP_CHUNKS`] pieces, one every `over / DRIP_CHUNKS`, the last at `over`.
#[derive(Debug)]
pub(crate) struct Drip {
    chunks: VecDeque<Bytes>,
    remaining: u64,
    gap: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl Drip {
    pub(crate) fn new(body: Bytes, over: Duration) -> Self {
        let size = body.len().div_ceil(DRIP_CHUNKS).max(1);
        let mut chunks = VecDeque::new();
        let mut rest = body.clone();
        while rest.len() > size {
            chunks.push_back(rest.split_to(size));
        }
        chunks.push_back(rest);
        let gap = over / u32::try_from(chunks.len()).unwrap_or(u32::MAX);
        Self {
            chunks,
            remaining: body.len() as u64,
            gap,
            sleep: Box::pin(tokio::time::sleep(gap)),
        }
    }
}

impl HttpBody for Drip {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.chunks.is_empty() {
            return Poll::Ready(None);
        }
        ready!(self.sleep.as_mut().poll(cx));
        let gap = self.gap;
        self.sleep.as_mut().reset(Instant::now() + gap);
        let chunk = self.chunks.pop_front().unwrap_or_default();
        self.remaining -= chunk.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_drip_delivers_every_byte_over_its_duration() {
        let body = Bytes::from("x".repeat(1_000));
        let started = Instant::now();
        let dripped = axum::body::to_bytes(
            Body::new(Drip::new(body.clone(), Duration::from_secs(5))),
            usize::MAX,
        )
        .await
        .unwrap();
        assert_eq!(dripped, body);
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }
}
