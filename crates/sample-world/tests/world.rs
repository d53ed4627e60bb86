//! The generated world: deterministic, big enough, and full of the cases the pipeline must
//! handle.

use std::collections::HashSet;

use phonenumber::country::Id;
use sample_world::{Business, EmailStyle, Robots, SitemapStyle, Vertical, World, WorldConfig};

fn default_world() -> World {
    World::generate(&WorldConfig::default())
}

fn core(world: &World) -> Vec<&Business> {
    world
        .businesses()
        .iter()
        .filter(|b| b.handcrafted)
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_world_byte_for_byte() {
    let a = format!("{:?}", default_world().businesses());
    let b = format!("{:?}", default_world().businesses());
    assert_eq!(a, b);
    let other = World::generate(&WorldConfig {
        seed: 99,
        ..WorldConfig::default()
    });
    assert_ne!(a, format!("{:?}", other.businesses()));
    let core_a = format!("{:?}", core(&default_world()));
    assert_eq!(
        core_a,
        format!("{:?}", core(&other)),
        "the core does not depend on the seed"
    );
}

#[test]
fn the_core_covers_three_verticals_in_two_geographies() {
    let world = default_world();
    let core = core(&world);
    assert!(core.len() >= 40, "{} core businesses", core.len());
    for vertical in [Vertical::Dentist, Vertical::Plumber, Vertical::Roofer] {
        // Houston is filler only: the big metro for campaigns of a thousand leads.
        for geography in World::geographies().iter().filter(|g| g.city != "Houston") {
            let n = core
                .iter()
                .filter(|b| b.vertical == vertical && b.geography.name == geography.name)
                .count();
            assert!(n >= 6, "{n} core {vertical:?} in {}", geography.name);
        }
    }
}

#[test]
fn default_filler_gives_every_core_pair_more_than_eighty_businesses() {
    let world = default_world();
    for vertical in [Vertical::Dentist, Vertical::Plumber, Vertical::Roofer] {
        for geography in World::geographies() {
            let n = world
                .businesses()
                .iter()
                .filter(|b| b.vertical == vertical && b.geography.name == geography.name)
                .count();
            assert!(n >= 80, "{n} {vertical:?} in {}", geography.name);
        }
    }
}

#[test]
fn filler_scales_for_benchmarks_with_unique_ids_and_domains() {
    let world = World::generate(&WorldConfig {
        seed: 3,
        filler_per_query: 250,
        extra: None,
    });
    let ids: HashSet<&str> = world
        .businesses()
        .iter()
        .map(|b| b.place_id.as_str())
        .collect();
    assert_eq!(ids.len(), world.businesses().len());
    let names: HashSet<&str> = world.businesses().iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names.len(), world.businesses().len());
    let owners = world
        .businesses()
        .iter()
        .filter(|b| b.site.is_some() && b.duplicate_of.is_none());
    assert_eq!(owners.count() * 2, world.domains().len());
}

#[test]
fn every_business_lies_in_its_neighbourhood() {
    let world = default_world();
    for b in world.businesses() {
        assert!(
            b.neighbourhood.bbox.contains(b.lat, b.lon),
            "{} outside {}",
            b.name,
            b.neighbourhood.name
        );
        assert!(b.geography.bbox.contains(b.lat, b.lon));
        assert!(b.place_id.starts_with("ChIJ"));
    }
}

#[test]
fn the_core_has_duplicates_sharing_a_domain_written_differently() {
    let world = default_world();
    let duplicates: Vec<&Business> = core(&world)
        .into_iter()
        .filter(|b| b.duplicate_of.is_some())
        .collect();
    assert!(duplicates.len() >= 2);
    for dup in duplicates {
        let owner = world
            .business(dup.duplicate_of.as_deref().expect("owner id"))
            .expect("owner exists");
        assert_ne!(owner.place_id, dup.place_id);
        assert_eq!(owner.site_domain(), dup.site_domain());
        assert_ne!(
            owner.website, dup.website,
            "same domain, written differently"
        );
        assert_ne!(owner.website_host(), dup.website_host(), "www. versus bare");
    }
}

fn is_valid(b: &Business) -> bool {
    let country = if b.geography.country_code == "US" {
        Id::US
    } else {
        Id::GB
    };
    b.phone
        .as_deref()
        .and_then(|p| phonenumber::parse(Some(country), p).ok())
        .is_some_and(|n| n.is_valid())
}

#[test]
fn phones_are_valid_fictional_numbers_except_the_deliberately_broken_ones() {
    let world = default_world();
    let mut broken = HashSet::new();
    for b in world.businesses() {
        let Some(phone) = b.phone.as_deref() else {
            continue;
        };
        let fictional = phone.starts_with("+1 512-555-01")
            || phone.starts_with("+1 737-555-01")
            || phone.starts_with("+1 713-555-01")
            || phone.starts_with("+1 832-555-01")
            || phone.starts_with("+44 161 496 0");
        assert_eq!(fictional, is_valid(b), "{phone} of {}", b.name);
        if !fictional {
            broken.insert(phone.to_owned());
        }
        let national = b.phone_national.as_deref().expect("both forms");
        assert!(!national.starts_with('+') || !fictional);
    }
    for expected in ["555-0000", "12345", "+1 000 000 0000"] {
        assert!(broken.contains(expected), "{expected} missing");
    }
    assert!(core(&world).iter().any(|b| b.phone.is_none()));
}

#[test]
fn the_core_has_every_listing_case_the_filter_must_handle() {
    let world = default_world();
    let core = core(&world);
    assert!(core.iter().any(|b| b.website.is_none()), "missing website");
    for social in ["facebook.com", "instagram.com", "yelp.com", "linktr.ee"] {
        assert!(
            core.iter()
                .any(|b| b.website_host().is_some_and(|h| h.ends_with(social))),
            "{social} link"
        );
    }
    assert!(
        core.iter()
            .filter(|b| b.has_social_website())
            .all(|b| b.site.is_none())
    );
    let low = |b: &&&Business| b.rating.is_some_and(|r| r < 4.0);
    assert!(
        core.iter()
            .filter(low)
            .any(|b| b.reviews.is_some_and(|n| n > 5))
    );
    assert!(
        core.iter()
            .filter(low)
            .any(|b| b.reviews.is_some_and(|n| n <= 5))
    );
    assert!(core.iter().any(|b| b.rating.is_none()));
}

#[test]
fn the_core_sites_carry_every_audit_defect() {
    let world = default_world();
    let sites: Vec<_> = core(&world).iter().filter_map(|b| b.site).collect();
    assert!(sites.iter().any(|s| s.https) && sites.iter().any(|s| !s.https));
    assert!(sites.iter().any(|s| !s.viewport));
    assert!(sites.iter().any(|s| !s.meta_description));
    assert!(sites.iter().any(|s| !s.call_to_action));
    assert!(sites.iter().any(|s| !s.tel_link));
    assert!(sites.iter().any(|s| !s.contact_page));
    assert!(sites.iter().any(|s| s.json_ld) && sites.iter().any(|s| !s.json_ld));
    assert!(sites.iter().any(|s| s.copyright_year <= 2016));
    assert!(sites.iter().any(|s| s.heavy_homepage));
    for style in [
        EmailStyle::None,
        EmailStyle::Mailto,
        EmailStyle::PlainText,
        EmailStyle::AtDot,
        EmailStyle::Cloudflare,
    ] {
        assert!(sites.iter().any(|s| s.email == style), "{style:?}");
    }
    for style in [SitemapStyle::None, SitemapStyle::Plain, SitemapStyle::Index] {
        assert!(sites.iter().any(|s| s.sitemap == style), "{style:?}");
    }
    for robots in [
        Robots::Standard,
        Robots::CrawlDelay(1),
        Robots::DisallowAll,
        Robots::Missing,
    ] {
        assert!(sites.iter().any(|s| s.robots == robots), "{robots:?}");
    }
    let http_listed = core(&world)
        .into_iter()
        .filter(|b| b.site.is_some_and(|s| !s.https));
    assert!(http_listed.into_iter().all(|b| {
        b.website
            .as_deref()
            .is_some_and(|w| w.starts_with("http://"))
    }));
}

#[test]
fn domains_list_every_site_bare_and_with_www() {
    let world = default_world();
    let domains = world.domains();
    assert!(domains.contains(&"bright-smile-dental-austin.com".to_owned()));
    assert!(domains.contains(&"www.bright-smile-dental-austin.com".to_owned()));
    assert!(!domains.iter().any(|d| d.contains("facebook")));
}

#[test]
fn extra_filler_grows_one_pair_and_leaves_the_rest_of_the_world_alone() {
    let base = World::generate(&WorldConfig::default());
    let houston = sample_world::geography::geography("Houston, TX")
        .expect("Houston is a geography of the world");
    let grown = World::generate(&WorldConfig {
        extra: Some(sample_world::ExtraFiller {
            vertical: Vertical::Dentist,
            geography: houston,
            count: 500,
        }),
        ..WorldConfig::default()
    });
    let count = |w: &World, v: Vertical, g: &str| {
        w.businesses()
            .iter()
            .filter(|b| b.vertical == v && b.geography.name == g)
            .count()
    };
    assert_eq!(
        count(&grown, Vertical::Dentist, "Houston, TX"),
        count(&base, Vertical::Dentist, "Houston, TX") + 500
    );
    assert_eq!(
        count(&grown, Vertical::Plumber, "Houston, TX"),
        count(&base, Vertical::Plumber, "Houston, TX")
    );
    // Every business of the default world is still there, the same.
    for b in base.businesses() {
        let same = grown.business(&b.place_id).expect("kept");
        assert_eq!(
            (same.name.as_str(), same.website.as_deref()),
            (b.name.as_str(), b.website.as_deref())
        );
    }
}
