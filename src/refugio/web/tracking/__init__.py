"""Tracking pages (refugio.tracking): locations, sites, DTM rounds, incidents in transit and the map."""
