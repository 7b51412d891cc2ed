"""Outreach: matchmaking events (对接会) with registration, 1:1 meeting requests and a
central meeting scheduler. Service teams, stations, pilot cities and roadshows come later
(issue 14)."""
