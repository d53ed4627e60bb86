#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;

#[test]
fn short_pages_keep_everything_and_long_ones_share_the_rest() {
    assert_eq!(fair_shares(&[100, 5_000, 5_000], 1_100), vec![100, 500, 500]);
    assert_eq!(fair_shares(&[10, 20], 1_000), vec![10, 20]);
    assert_eq!(fair_shares(&[], 1_000), Vec::<usize>::new());
}
