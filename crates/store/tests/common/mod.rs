//! Helpers the store's test files share.
#![allow(dead_code, reason = "each test file uses a different part")]

use store::testing::TestDb;
use store::{LeadUpsert, Store};

/// One fresh, migrated database per backend the environment offers.
pub async fn stores() -> Vec<(TestDb, Store)> {
    let mut out = Vec::new();
    for db in TestDb::all().await {
        let store = db.open().await.expect("open test database");
        out.push((db, store));
    }
    out
}

pub fn lead(place: &str, score: u8, rank: u32) -> LeadUpsert {
    LeadUpsert {
        place_id: place.into(),
        source: "serper".into(),
        name: format!("Business {place}"),
        domain: Some(format!("{place}.com")),
        website: Some(format!("https://{place}.com/")),
        phone: "+15125550100".into(),
        address: Some("1 Main St".into()),
        city: Some("Austin".into()),
        rating: Some(4.5),
        reviews_count: Some(12),
        latitude: Some(30.2),
        longitude: Some(-97.7),
        categories: vec!["dentist".into()],
        score,
        signals: vec!["NEEDS_WEB_AUDIT".into()],
        rank,
    }
}
