"""The experiment engine: many runs, their storage and their analysis.

* :mod:`~sim.experiment.design` - experiment files, varied parameters, samplers;
* :mod:`~sim.experiment.sweep` - plan an experiment's runs, execute, resume;
* :mod:`~sim.experiment.executors` - serial, local process pool, Dask distributed;
* :mod:`~sim.experiment.jobs` - one run on a worker and the tables it yields;
* :mod:`~sim.experiment.store` - the Parquet results store and its DuckDB queries;
* :mod:`~sim.experiment.compare` - reform paths against the baseline, paired with CRN;
* :mod:`~sim.experiment.versus` - one scenario against another on the same seeds (``run --vs``);
* :mod:`~sim.experiment.scenario_tools` - list, show and diff scenarios (``streetsim scenarios``);
* :mod:`~sim.experiment.sensitivity` - Morris and Sobol indices (SALib);
* :mod:`~sim.experiment.fit` - fitting parameters to the brief §7 patterns (optuna);
* :mod:`~sim.experiment.adapters` - scenarios, stressors and the code version;
* :mod:`~sim.experiment.progress` - the progress bar of multi-run commands.
"""
