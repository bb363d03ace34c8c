/**
 * The fixed split of the 35 local NAB files into two halves, for choosing settings on one and confirming them on the
 * other: every other file in corpus order (categories, then files, sorted by name), the first to `choose`. It was
 * written down before any setting of the default detector was chosen on it, and must not change with results.
 */
export const NAB_HALVES = {
  choose: [
    'artificialNoAnomaly/art_daily_no_noise.csv',
    'artificialNoAnomaly/art_daily_small_noise.csv',
    'artificialNoAnomaly/art_noisy.csv',
    'artificialWithAnomaly/art_daily_jumpsdown.csv',
    'artificialWithAnomaly/art_daily_nojump.csv',
    'artificialWithAnomaly/art_load_balancer_spikes.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv',
    'realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv',
    'realAWSCloudwatch/ec2_network_in_5abac7.csv',
    'realAWSCloudwatch/grok_asg_anomaly.csv',
    'realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv',
    'realKnownCause/ambient_temperature_system_failure.csv',
    'realKnownCause/ec2_request_latency_system_failure.csv',
    'realKnownCause/nyc_taxi.csv',
    'realKnownCause/rogue_agent_key_updown.csv',
  ],
  confirm: [
    'artificialNoAnomaly/art_daily_perfect_square_wave.csv',
    'artificialNoAnomaly/art_flatline.csv',
    'artificialWithAnomaly/art_daily_flatmiddle.csv',
    'artificialWithAnomaly/art_daily_jumpsup.csv',
    'artificialWithAnomaly/art_increase_spike_density.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv',
    'realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv',
    'realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv',
    'realAWSCloudwatch/ec2_network_in_257a54.csv',
    'realAWSCloudwatch/elb_request_count_8c0756.csv',
    'realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv',
    'realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv',
    'realKnownCause/cpu_utilization_asg_misconfiguration.csv',
    'realKnownCause/machine_temperature_system_failure.csv',
    'realKnownCause/rogue_agent_key_hold.csv',
  ],
} as const;

export type NabHalf = keyof typeof NAB_HALVES;
