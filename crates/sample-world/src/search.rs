//! Text-query matching and paging shared by the Serper and Google handlers: queries look like
//! `"{vertical} in {geography}"` or `"{vertical} in {neighbourhood}, {geography}"`.

use crate::geography::{GEOGRAPHIES, Geography, Neighbourhood};
use crate::vertical::Vertical;
use crate::world::{Business, World};

/// No provider lets one query page past this many results; clients must split the area.
pub(crate) const RESULT_CAP: usize = 60;

/// Where a query looks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Area {
    Geography(&'static Geography),
    Neighbourhood(&'static Geography, &'static Neighbourhood),
    /// No place named: everywhere (narrowed by a location restriction, if any).
    Anywhere,
}

/// A understood text query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextQuery {
    pub vertical: Vertical,
    pub area: Area,
}

/// Lower case, commas and repeated spaces folded into single spaces.
fn normalize(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads a text query; `None` when it names no vertical or an unknown place.
pub(crate) fn parse(text: &str) -> Option<TextQuery> {
    let text = normalize(text);
    let (what, place) = [" in ", " near "]
        .iter()
        .find_map(|sep| text.split_once(sep))
        .unwrap_or((text.as_str(), ""));
    let (vertical, rest) = find_vertical(what)?;
    let place = if place.is_empty() {
        rest
    } else {
        place.to_owned()
    };
    let area = if place.is_empty() {
        Area::Anywhere
    } else {
        parse_place(&place)?
    };
    Some(TextQuery { vertical, area })
}

/// The vertical a phrase names, and what is left of the phrase without it.
fn find_vertical(what: &str) -> Option<(Vertical, String)> {
    let padded = format!(" {what} ");
    let mut best: Option<(Vertical, &str)> = None;
    for vertical in Vertical::ALL {
        for syn in vertical.synonyms() {
            let longer = best.is_none_or(|(_, b)| syn.len() > b.len());
            if longer && padded.contains(&format!(" {syn} ")) {
                best = Some((vertical, syn));
            }
        }
    }
    let (vertical, syn) = best?;
    let rest = normalize(&padded.replacen(&format!(" {syn} "), " ", 1));
    Some((vertical, rest))
}

/// The geography or neighbourhood a place name denotes (`"Hyde Park, Austin, TX"`).
pub(crate) fn place(text: &str) -> Option<Area> {
    parse_place(&normalize(text))
}

fn parse_place(place: &str) -> Option<Area> {
    for geo in &GEOGRAPHIES {
        if geo.aliases.iter().any(|a| normalize(a) == place) {
            return Some(Area::Geography(geo));
        }
    }
    let mut aliases: Vec<(&'static Geography, String)> = GEOGRAPHIES
        .iter()
        .flat_map(|g| g.aliases.iter().map(move |a| (g, normalize(a))))
        .collect();
    aliases.sort_by_key(|(_, a)| std::cmp::Reverse(a.len()));
    for (geo, alias) in &aliases {
        if let Some(prefix) = place.strip_suffix(alias.as_str())
            && let Some(prefix) = prefix.strip_suffix(' ')
        {
            return hood_named(geo, prefix).map(|n| Area::Neighbourhood(geo, n));
        }
    }
    GEOGRAPHIES
        .iter()
        .find_map(|g| hood_named(g, place).map(|n| Area::Neighbourhood(g, n)))
}

fn hood_named(geo: &'static Geography, name: &str) -> Option<&'static Neighbourhood> {
    let hoods: &'static [Neighbourhood] = geo.neighbourhoods;
    hoods.iter().find(|n| normalize(n.name) == name)
}

/// Businesses the query finds, in world order, limited to those `within` accepts.
pub(crate) fn matching<'w>(
    world: &'w World,
    query: &TextQuery,
    within: impl Fn(&Business) -> bool,
) -> Vec<&'w Business> {
    world
        .businesses()
        .iter()
        .filter(|b| b.vertical == query.vertical)
        .filter(|b| match query.area {
            Area::Geography(g) => b.geography.name == g.name,
            Area::Neighbourhood(g, n) => {
                b.geography.name == g.name && b.neighbourhood.name == n.name
            }
            Area::Anywhere => true,
        })
        .filter(|b| within(b))
        .collect()
}

/// What a query pages through: one listing from the first page shows up again on the second
/// (as real providers sometimes do), and nothing past [`RESULT_CAP`].
pub(crate) fn result_list(mut list: Vec<&Business>, page_size: usize) -> Vec<&Business> {
    if list.len() > page_size + 1 {
        let repeat = list[2.min(page_size - 1)];
        list.insert(page_size + 1, repeat);
    }
    list.truncate(RESULT_CAP);
    list
}

/// One page of `list` and whether more follow.
pub(crate) fn page<T>(list: &[T], offset: usize, size: usize) -> (&[T], bool) {
    let start = offset.min(list.len());
    let end = (start + size).min(list.len());
    (&list[start..end], end < list.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area_name(q: &str) -> Option<String> {
        parse(q).map(|t| match t.area {
            Area::Geography(g) => g.name.to_owned(),
            Area::Neighbourhood(g, n) => format!("{} / {}", n.name, g.name),
            Area::Anywhere => "anywhere".to_owned(),
        })
    }

    #[test]
    fn queries_name_vertical_and_place() {
        let q = parse("Dentists in Austin, Texas").expect("understood");
        assert_eq!(q.vertical, Vertical::Dentist);
        assert_eq!(
            area_name("dentist in Austin, TX").as_deref(),
            Some("Austin, TX")
        );
        assert_eq!(
            area_name("roofing in manchester, england").as_deref(),
            Some("Manchester, UK")
        );
        assert_eq!(
            area_name("plumber in Northern Quarter, Manchester, UK").as_deref(),
            Some("Northern Quarter / Manchester, UK")
        );
        assert_eq!(
            area_name("emergency plumbers near Hyde Park").as_deref(),
            Some("Hyde Park / Austin, TX")
        );
        assert_eq!(area_name("hair salons").as_deref(), Some("anywhere"));
        assert!(parse("dentist in Paris").is_none());
        assert!(parse("bakery in Austin, TX").is_none());
        assert!(parse("dentist in Atlantis, Austin, TX").is_none());
    }

    #[test]
    fn result_list_repeats_one_listing_and_caps() {
        let world = World::generate(&crate::WorldConfig::default());
        let q = parse("dentist in Austin, TX").expect("understood");
        let all = matching(&world, &q, |_| true);
        assert!(all.len() > RESULT_CAP);
        let list = result_list(all.clone(), 10);
        assert_eq!(list.len(), RESULT_CAP);
        assert_eq!(list[11].place_id, list[2].place_id);
        let (first, more) = page(&list, 50, 10);
        assert_eq!(first.len(), 10);
        assert!(!more);
    }
}
