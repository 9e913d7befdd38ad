"""Voluntary repatriation and assisted voluntary return and reintegration (AVRR).

- `survey_form`, `surveys`: the return intention survey (an XLSForm on the OpenRosa form list) and its
  submissions; `visits`: go-and-see visits; `service`: caseworkers' sign-offs and return registration
  (planned → departed, the household split through refugio.registration.service); `packages`: return
  grants as assistance programmes; `reintegration` (+ `weights/*.yaml`): monitoring visits scored in
  IOM's three dimensions with versioned weights; `queries`: read models and figures.

Imports registration, protection and assistance through their services and queries; never a web
framework.
"""
