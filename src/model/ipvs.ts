/** IPVS virtual servers (`ipvsadm -Sn` / `-Ln`). */
export interface IpvsRealServer {
  address: string;
  port: number;
  forward: 'masq' | 'route' | 'tunnel' | 'local' | (string & {});
  weight: number;
  activeConns?: number;
  inactiveConns?: number;
}

export interface IpvsService {
  protocol: 'tcp' | 'udp' | 'sctp' | 'fwmark';
  address?: string;
  port?: number;
  fwmark?: number;
  scheduler: string;
  /** Persistence timeout in seconds (session affinity). */
  persistent?: number;
  reals: IpvsRealServer[];
}
