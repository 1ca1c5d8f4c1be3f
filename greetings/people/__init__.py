"""People: the packers who sign the cards (their names, badge, PIN, lines, signature,
consent and offboarding). Plain functions over the session, no HTTP: the console, the
Packers API and the command line all call `greetings.people.service`.
"""
