//! Who a business's own About page names, as real small-business sites do: most show a "Meet
//! the team" section with some of the people LinkedIn knows (always the owner), a few add
//! someone who has no profile, some name the founder in the opening paragraph, and some show
//! nobody at all.

use super::{Person, people, random_person, staff_titles};
use crate::rng::SplitMix64;
use crate::world::Business;

/// Share of businesses whose About page has a team section.
const TEAM_SECTION: f64 = 0.75;
/// Chance that a non-owner with a profile is also on the page.
const LISTED: f64 = 0.7;
/// Share of team sections with someone who has no profile.
const SITE_ONLY: f64 = 0.25;
/// Share of About pages naming the founder in prose.
const FOUNDER_IN_PROSE: f64 = 0.35;
/// Share of team sections laid out as a list rather than cards.
const LIST_LAYOUT: f64 = 0.3;

/// Someone the About page names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TeamMember {
    /// First and last name (`Jane Doe`).
    pub name: String,
    /// The name as the page writes it: `Dr. Jane Doe` for dentists.
    pub shown_as: String,
    pub title: &'static str,
    /// The member's LinkedIn handle; `None` for someone only the site names.
    pub handle: Option<String>,
}

impl TeamMember {
    fn of(person: &Person, on_linkedin: bool) -> Self {
        let name = person.name();
        let shown_as = if person.title.contains("Dentist") {
            format!("Dr. {name}")
        } else {
            name.clone()
        };
        TeamMember {
            name,
            shown_as,
            title: person.title,
            handle: on_linkedin.then(|| person.handle.clone()),
        }
    }
}

/// How the team section is marked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TeamLayout {
    /// `<div class="member"><h3>Jane Doe</h3><p class="role">Owner</p></div>` per person.
    Cards,
    /// `<ul class="team-list"><li><strong>Jane Doe</strong> – Owner</li>…</ul>`.
    List,
}

/// The people a business's About page names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SiteTeam {
    /// The "Meet the team" section, in page order; empty when the page has no such section.
    pub members: Vec<TeamMember>,
    pub layout: TeamLayout,
    /// The owner the opening paragraph names ("Founded in 1998 by Dr. Jane Doe").
    pub founder: Option<TeamMember>,
}

impl SiteTeam {
    /// Everyone the page names, once each: the section's members, then a founder named only
    /// in prose.
    #[cfg(test)]
    pub fn everyone(&self) -> Vec<&TeamMember> {
        let mut all: Vec<&TeamMember> = self.members.iter().collect();
        if let Some(founder) = &self.founder
            && !all.iter().any(|m| m.name == founder.name)
        {
            all.push(founder);
        }
        all
    }
}

/// Who `b`'s About page names; agrees with [`people`] on every name, title and handle.
pub(crate) fn site_team(b: &Business) -> SiteTeam {
    let people = people(b);
    let mut rng = SplitMix64::derive(0, &format!("team:{}", b.place_id));
    let has_section = rng.chance(TEAM_SECTION);
    let layout = if rng.chance(LIST_LAYOUT) {
        TeamLayout::List
    } else {
        TeamLayout::Cards
    };
    let founder = rng
        .chance(FOUNDER_IN_PROSE)
        .then(|| TeamMember::of(&people[0], true));
    let mut members = Vec::new();
    if has_section {
        members.push(TeamMember::of(&people[0], true));
        for person in &people[1..] {
            if rng.chance(LISTED) {
                members.push(TeamMember::of(person, true));
            }
        }
        if rng.chance(SITE_ONLY) {
            members.push(TeamMember::of(&site_only(&mut rng, b, &people), false));
        }
    }
    SiteTeam {
        members,
        layout,
        founder,
    }
}

/// Someone at `b` with no LinkedIn profile: a staff title nobody else holds, and a first and
/// last name nobody else there has.
fn site_only(rng: &mut SplitMix64, b: &Business, people: &[Person]) -> Person {
    let titles: Vec<&'static str> = staff_titles(b.vertical)
        .iter()
        .copied()
        .filter(|t| people.iter().all(|p| p.title != *t))
        .collect();
    let title = *rng.pick(&titles);
    loop {
        let person = random_person(rng, title);
        if people
            .iter()
            .all(|p| p.first != person.first && p.last != person.last)
        {
            return person;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WorldConfig;
    use crate::world::World;

    fn world() -> World {
        World::generate(&WorldConfig::default())
    }

    #[test]
    fn the_page_agrees_with_linkedin_on_everyone_it_has_a_profile_for() {
        let world = world();
        for b in world.businesses() {
            let people = people(b);
            let team = site_team(b);
            for member in team.everyone() {
                let on_linkedin = people.iter().find(|p| p.name() == member.name);
                match &member.handle {
                    Some(handle) => {
                        let person = on_linkedin.expect("a member with a handle is on LinkedIn");
                        assert_eq!(&person.handle, handle);
                        assert_eq!(person.title, member.title);
                    }
                    None => {
                        assert!(on_linkedin.is_none(), "{} is site-only", member.name);
                        assert!(people.iter().all(|p| p.title != member.title));
                    }
                }
            }
            if let Some(first) = team.members.first() {
                assert_eq!(first.name, people[0].name(), "the owner comes first");
            }
            if let Some(founder) = &team.founder {
                assert_eq!(founder.name, people[0].name());
            }
        }
    }

    #[test]
    fn most_but_not_all_pages_name_a_team_and_some_add_people_without_profiles() {
        let world = world();
        let teams: Vec<SiteTeam> = world.businesses().iter().map(site_team).collect();
        let total = teams.len();
        let with_section = teams.iter().filter(|t| !t.members.is_empty()).count();
        let site_only = teams
            .iter()
            .filter(|t| t.members.iter().any(|m| m.handle.is_none()))
            .count();
        let in_prose = teams.iter().filter(|t| t.founder.is_some()).count();
        let lists = teams
            .iter()
            .filter(|t| !t.members.is_empty() && t.layout == TeamLayout::List)
            .count();
        assert!(
            with_section * 2 > total && with_section < total,
            "{with_section}/{total}"
        );
        assert!(
            site_only > 0 && site_only * 4 < total,
            "{site_only}/{total}"
        );
        assert!(in_prose > 0 && in_prose < total, "{in_prose}/{total}");
        assert!(lists > 0 && lists < with_section, "{lists}/{with_section}");
    }

    #[test]
    fn dentists_are_shown_as_doctors() {
        let world = world();
        let dentist = world
            .businesses()
            .iter()
            .flat_map(|b| site_team(b).members)
            .find(|m| m.title.contains("Dentist"))
            .expect("some dentist is on a page");
        assert_eq!(dentist.shown_as, format!("Dr. {}", dentist.name));
    }

    #[test]
    fn the_handcrafted_core_has_the_same_people_in_every_world() {
        let a = world();
        let b = World::generate(&WorldConfig {
            seed: 7,
            filler_per_query: 0,
            extra: None,
        });
        for business in b.businesses().iter().filter(|x| x.handcrafted) {
            let same = a
                .business(&business.place_id)
                .expect("the core is in every world");
            assert_eq!(people(same), people(business));
            assert_eq!(site_team(same), site_team(business));
        }
    }
}
